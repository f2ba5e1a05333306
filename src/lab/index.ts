export * from './lab-definition.js';
export * from './topology.js';
export * from './mock-cloud.js';
export * from './forward-proxy.js';
export * from './egress-firewall.js';
export * from './lab-network.js';
export * from './lab-dns.js';
export * from './address-block.js';
