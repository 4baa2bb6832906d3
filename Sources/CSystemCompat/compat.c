// Older symbol versions for the release binary, so that it runs on systems with an older C library and
// C++ runtime than the Debian 12 it is built on (Amazon Linux 2023: glibc 2.34, GCC 11's libstdc++).
//
// Linking on Debian 12 binds three symbols to versions newer than those systems have: hypot and hypotf
// (GLIBC_2.35, a faster implementation of the same function) and std::condition_variable::wait
// (GLIBCXX_3.4.30, the same function re-versioned in GCC 12). `make dist` links with
// `--wrap=SYMBOL` for each, which sends every reference to the __wrap_ function here, and these call the
// older version, which both the old and the new libraries export. Without --wrap (every other build)
// nothing refers to these functions.
extern double compat_hypot_2_2_5(double, double);
extern float compat_hypotf_2_2_5(float, float);
extern void compat_condition_variable_wait_3_4_11(void *self, void *lock);

__asm__(".symver compat_hypot_2_2_5, hypot@GLIBC_2.2.5");
__asm__(".symver compat_hypotf_2_2_5, hypotf@GLIBC_2.2.5");
__asm__(".symver compat_condition_variable_wait_3_4_11, _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@GLIBCXX_3.4.11");

double __wrap_hypot(double x, double y) { return compat_hypot_2_2_5(x, y); }
float __wrap_hypotf(float x, float y) { return compat_hypotf_2_2_5(x, y); }
void __wrap__ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(void *self, void *lock) {
    compat_condition_variable_wait_3_4_11(self, lock);
}
