/* What Wine's WinINET says the current user's proxy settings are, through the per-connection
 * options an application (or the sensor) would query. Prints one JSON object. */
#include "json-out.h"
#include <wininet.h>

int main(void)
{
    INTERNET_PER_CONN_OPTIONW opt[3];
    INTERNET_PER_CONN_OPTION_LISTW list;
    DWORD size = sizeof(list);
    opt[0].dwOption = INTERNET_PER_CONN_FLAGS;
    opt[1].dwOption = INTERNET_PER_CONN_PROXY_SERVER;
    opt[2].dwOption = INTERNET_PER_CONN_AUTOCONFIG_URL;
    list.dwSize = sizeof(list);
    list.pszConnection = NULL;
    list.dwOptionCount = 3;
    list.dwOptionError = 0;
    list.pOptions = opt;
    if (!InternetQueryOptionW(NULL, INTERNET_OPTION_PER_CONNECTION_OPTION, &list, &size)) { printf("{\"error\":%lu}\n", GetLastError()); return 1; }
    printf("{\"flags\":%lu,\"proxy\":", opt[0].Value.dwValue);
    json_wstr(opt[1].Value.pszValue);
    fputs(",\"autoConfigUrl\":", stdout);
    json_wstr(opt[2].Value.pszValue);
    fputs("}\n", stdout);
    return 0;
}
