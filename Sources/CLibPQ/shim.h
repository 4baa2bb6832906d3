/* PostgreSQL's client library (Debian's libpq-dev: /usr/include/postgresql, found by pkg-config). */
#include <libpq-fe.h>
