/** The simulated host's trust store, as every engine builds it from the plan. */
import type { HostPlan } from '../lab/lab-plan.js';
import type { LabPki } from '../pki/index.js';

/**
 * The certificates in the host's trust store: the lab cloud root, and for `middlebox-ca` the
 * inspection CA the middleboxes sign with (the lab's, or a customer's own).
 */
export function hostTrustPems(host: Pick<HostPlan, 'trust' | 'middleboxCa'>, pki: Pick<LabPki, 'trustedRoot' | 'middleboxCa'>): string[] {
  return host.trust.flatMap((t) =>
    t === 'cloud-root' ? [pki.trustedRoot.certPem]
    : host.middleboxCa ? [...host.middleboxCa.customerPems, ...(host.middleboxCa.lab ? [pki.middleboxCa.certPem] : [])]
    : [pki.middleboxCa.certPem],
  );
}
