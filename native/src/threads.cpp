#include "threads.h"
#include <omp.h>

namespace adabm {

ThreadScope::ThreadScope(int threads) {
    if (threads > 0) {
        previous_ = omp_get_max_threads();
        omp_set_num_threads(threads);
    }
}

ThreadScope::~ThreadScope() {
    if (previous_ > 0) omp_set_num_threads(previous_);
}

}  // namespace adabm
