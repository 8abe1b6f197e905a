// OpenMP thread count for one plan run. oneDNN in the bundled jar runs on libgomp (DNNL_RUNTIME_OMP), whose
// thread count is a per-calling-thread setting: set it on entry and restore it on exit.
#pragma once

namespace adabm {

class ThreadScope {
public:
    explicit ThreadScope(int threads);  // threads <= 0 keeps the current setting
    ~ThreadScope();
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int previous_ = 0;
};

}  // namespace adabm
