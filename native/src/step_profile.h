// Opt-in per-step wall times of a plan run (adabm_plan_profile / adabm_qplan_profile): off by default, and then a
// run pays one branch per step. On: each step is timed with steady_clock after the stream has finished its work.
#pragma once
#include "adabm.h"
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace adabm {

struct StepRecord {
    int32_t op = -1;          // op index in the plan description; -1 for the layout reorders at either end
    int32_t kind = 0;         // ADABM_STEP_*
    double ms = 0;
    std::string implementation;  // oneDNN implementation of a conv step, "" otherwise
};

class StepProfiler {
public:
    using Clock = std::chrono::steady_clock;

    bool enabled() const { return enabled_; }
    void set_enabled(bool on) {
        enabled_ = on;
        records_.clear();
    }
    // called at the start of every run: the profile holds the last run only
    void start_run() {
        if (enabled_) records_.clear();
    }
    void add(int32_t op, int32_t kind, Clock::time_point since, std::string implementation = {}) {
        records_.push_back({op, kind, std::chrono::duration<double, std::milli>(Clock::now() - since).count(), std::move(implementation)});
    }
    const std::vector<StepRecord>& records() const { return records_; }

    // Copies up to capacity records into out and returns the full count.
    int32_t copy_to(adabm_step_time* out, size_t capacity) const;

private:
    bool enabled_ = false;
    std::vector<StepRecord> records_;
};

}  // namespace adabm
