#ifndef AUTOPILOT_CJANSSON_SHIM_H
#define AUTOPILOT_CJANSSON_SHIM_H
#include <jansson.h>

/* jansson's function-like macros do not import into Swift; these wrap them. */
static inline json_type ap_json_typeof(const json_t *json) { return json_typeof(json); }
static inline json_t *ap_json_boolean(int value) { return value ? json_true() : json_false(); }
static inline size_t ap_json_real_precision(int n) { return JSON_REAL_PRECISION(n); }
static inline size_t ap_json_error_line(const json_error_t *error) { return (size_t)error->line; }

#endif
