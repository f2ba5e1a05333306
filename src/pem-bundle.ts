/** PEM bundles: text that may hold several certificates (a CA file with its chain, a trust store export). */

/** The certificates of a PEM bundle, each as its own PEM block, in file order. */
export function splitPemCertificates(pem: string): string[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => `${b}\n`);
}
