/**
 * Every component kind, in one list. Adding a kind touches its module and this list, nothing
 * else: the plan compiler, the engines and `explain` look kinds up here by type.
 */
import type { ComponentKind } from '../component-kind.js';
import { cloudEndpointKind } from './cloud-endpoint-kind.js';
import { forwardProxyKind } from './forward-proxy-kind.js';
import { middleboxKind } from './middlebox-kind.js';
import { mitmproxyKind } from './mitmproxy-kind.js';
import { pacServerKind } from './pac-server-kind.js';
import { squidKind } from './squid-kind.js';
import { transparentProxyKind } from './transparent-proxy-kind.js';

export const COMPONENT_KINDS = [cloudEndpointKind, forwardProxyKind, middleboxKind, transparentProxyKind, pacServerKind, squidKind, mitmproxyKind] as const;

export type ComponentType = (typeof COMPONENT_KINDS)[number]['type'];

const BY_TYPE = new Map<string, ComponentKind>(COMPONENT_KINDS.map((k) => [k.type, k as unknown as ComponentKind]));

export function componentKind(type: string): ComponentKind | undefined {
  return BY_TYPE.get(type);
}

export { cloudEndpointKind, forwardProxyKind, middleboxKind, mitmproxyKind, pacServerKind, squidKind, transparentProxyKind };
