/* WinHttpSetDefaultProxyConfiguration as `netsh winhttp set proxy` uses it: argv[1] proxy,
 * argv[2] bypass (optional); no arguments = "no proxy". Wine writes HKLM WinHttpSettings. */
#include <stdio.h>
#include <windows.h>
#include <winhttp.h>

int wmain(int argc, WCHAR **argv)
{
    WINHTTP_PROXY_INFO info;
    info.dwAccessType = argc > 1 ? WINHTTP_ACCESS_TYPE_NAMED_PROXY : WINHTTP_ACCESS_TYPE_NO_PROXY;
    info.lpszProxy = argc > 1 ? argv[1] : NULL;
    info.lpszProxyBypass = argc > 2 ? argv[2] : NULL;
    if (!WinHttpSetDefaultProxyConfiguration(&info)) { printf("error %lu\n", GetLastError()); return 1; }
    printf("ok\n");
    return 0;
}
