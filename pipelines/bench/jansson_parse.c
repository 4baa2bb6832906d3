/* The reference for collect-cluster: jansson alone parsing each file given (a whole document with
 * json_load_file), then freeing it. Prints nothing; exits 1 if a file does not parse.
 * Built by pipelines/bench.sh with: cc -O2 -o jansson-parse jansson_parse.c -ljansson */
#include <jansson.h>
#include <stdio.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        json_error_t error;
        json_t *root = json_load_file(argv[i], 0, &error);
        if (!root) {
            fprintf(stderr, "jansson-parse: %s:%d: %s\n", argv[i], error.line, error.text);
            return 1;
        }
        json_decref(root);
    }
    return 0;
}
