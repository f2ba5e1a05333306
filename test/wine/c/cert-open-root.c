/* Opens the LocalMachine ROOT system store and counts its certificates. Wine's crypt32 imports
 * the host's trusted roots (ca-certificates) into HKLM\Software\Microsoft\SystemCertificates\
 * Root\Certificates on the first open of a Root store (rootstore.c CRYPT_ImportSystemRootCertsToReg),
 * which is what the machine-root-store test reads back with reg.exe. Prints {"count":N}. */
#include <stdio.h>
#include <windows.h>
#include <wincrypt.h>

int main(void)
{
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0,
        CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_READONLY_FLAG, "ROOT");
    PCCERT_CONTEXT cert = NULL;
    unsigned count = 0;
    if (!store) { printf("{\"error\":%lu}\n", GetLastError()); return 1; }
    while ((cert = CertEnumCertificatesInStore(store, cert))) count++;
    CertCloseStore(store, 0);
    printf("{\"count\":%u}\n", count);
    return 0;
}
