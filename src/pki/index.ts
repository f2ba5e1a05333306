export * from './lab-pki.js';
export { thumbprint, issueCertificate, generateKey } from './sign-certificate.js';
