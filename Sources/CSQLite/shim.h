#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift cannot import: sqlite copies the bytes before returning. */
static inline int ap_sqlite3_bind_text_transient(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}
