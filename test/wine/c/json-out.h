/* Shared by the Wine suite's C programs: print wide strings as JSON (\uXXXX escapes), so the
 * TypeScript side reads exactly what the Windows API returned, byte for byte. */
#include <stdio.h>
#include <windows.h>

static void json_wstr(const WCHAR *s)
{
    if (!s) { fputs("null", stdout); return; }
    putchar('"');
    for (; *s; s++)
    {
        if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') putchar((char)*s);
        else printf("\\u%04x", (unsigned)*s);
    }
    putchar('"');
}
