/* What Wine's WinHTTP reads from the registry: the current user's WinINET settings
 * (WinHttpGetIEProxyConfigForCurrentUser, from HKCU DefaultConnectionSettings) and the
 * machine's WinHTTP settings (WinHttpGetDefaultProxyConfiguration, from HKLM WinHttpSettings).
 * Prints one JSON object. */
#include "json-out.h"
#include <winhttp.h>

int main(void)
{
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG ie;
    WINHTTP_PROXY_INFO def;
    if (!WinHttpGetIEProxyConfigForCurrentUser(&ie)) { printf("{\"error\":\"ie %lu\"}\n", GetLastError()); return 1; }
    if (!WinHttpGetDefaultProxyConfiguration(&def)) { printf("{\"error\":\"default %lu\"}\n", GetLastError()); return 1; }
    printf("{\"ie\":{\"autoDetect\":%s,\"autoConfigUrl\":", ie.fAutoDetect ? "true" : "false");
    json_wstr(ie.lpszAutoConfigUrl);
    fputs(",\"proxy\":", stdout);
    json_wstr(ie.lpszProxy);
    fputs(",\"bypass\":", stdout);
    json_wstr(ie.lpszProxyBypass);
    printf("},\"default\":{\"accessType\":%lu,\"proxy\":", def.dwAccessType);
    json_wstr(def.lpszProxy);
    fputs(",\"bypass\":", stdout);
    json_wstr(def.lpszProxyBypass);
    fputs("}}\n", stdout);
    return 0;
}
