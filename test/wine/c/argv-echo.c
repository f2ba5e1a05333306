/* Prints the argv the C runtime (msvcrt's command-line parser) split this process's command
 * line into, as a JSON array. */
#include "json-out.h"

int wmain(int argc, WCHAR **argv)
{
    putchar('[');
    for (int i = 0; i < argc; i++) { if (i) putchar(','); json_wstr(argv[i]); }
    fputs("]\n", stdout);
    return 0;
}
