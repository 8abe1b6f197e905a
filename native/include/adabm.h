/* The C ABI of libadabm_native: everything Java calls through FFM. No C++ exception crosses it:
 * functions return 0 on success or a negative code, and adabm_last_error() gives this thread's message. */
#ifndef ADABM_H
#define ADABM_H
#include <stdint.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Version of this ABI; Java refuses a library with another value. */
int32_t adabm_abi_version(void);

/* Message of the last failure on the calling thread ("" if none). Valid until the next call on this thread. */
const char* adabm_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
