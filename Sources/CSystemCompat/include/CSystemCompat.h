// Nothing to call: see compat.c. (A C target needs a public header.)
