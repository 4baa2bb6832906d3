#ifndef AUTOPILOT_CYAML_SHIM_H
#define AUTOPILOT_CYAML_SHIM_H
#include <yaml.h>
#endif
