/* Distrusts one root the way an administrator would: copies the certificate with the given
 * SHA-1 thumbprint (hex, argv[1]) from the LocalMachine ROOT store into the LocalMachine
 * Disallowed (Untrusted Certificates) store through crypt32, which writes it to the registry
 * (HKLM\Software\Microsoft\SystemCertificates\Disallowed\Certificates\<SHA-1>\Blob).
 * Prints {"added":1} or {"error":N,"at":"..."}. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>
#include <wincrypt.h>

int main(int argc, char **argv)
{
    BYTE hash[20];
    CRYPT_HASH_BLOB blob = { sizeof hash, hash };
    HCERTSTORE root, disallowed;
    PCCERT_CONTEXT cert;
    int i;
    if (argc != 2 || strlen(argv[1]) != 40) { printf("{\"error\":0,\"at\":\"usage\"}\n"); return 2; }
    for (i = 0; i < 20; i++) { char b[3] = { argv[1][2 * i], argv[1][2 * i + 1], 0 }; hash[i] = (BYTE)strtoul(b, NULL, 16); }
    root = CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_READONLY_FLAG, "ROOT");
    if (!root) { printf("{\"error\":%lu,\"at\":\"open ROOT\"}\n", GetLastError()); return 1; }
    cert = CertFindCertificateInStore(root, X509_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &blob, NULL);
    if (!cert) { printf("{\"error\":%lu,\"at\":\"find\"}\n", GetLastError()); return 1; }
    disallowed = CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, "Disallowed");
    if (!disallowed) { printf("{\"error\":%lu,\"at\":\"open Disallowed\"}\n", GetLastError()); return 1; }
    if (!CertAddCertificateContextToStore(disallowed, cert, CERT_STORE_ADD_REPLACE_EXISTING, NULL)) { printf("{\"error\":%lu,\"at\":\"add\"}\n", GetLastError()); return 1; }
    CertFreeCertificateContext(cert);
    CertCloseStore(disallowed, 0);
    CertCloseStore(root, 0);
    printf("{\"added\":1}\n");
    return 0;
}
