/**
 * The mitmdump addon every lab mitmproxy loads (written to the per-run folder as a .py file):
 *
 *   names    server_connect: the upstream address is looked up in the plan's hosts table
 *            (hosts.json) and replaced by the lab address, and the connection is made from
 *            the component's own address; a name outside the lab is refused with the text
 *            real mitmproxy gives for a name it cannot resolve, so no lookup ever leaves the lab
 *   records  one JSON line per CONNECT (written when the client goes away: its status, splice
 *            or bump, SNI, upstream TLS error) and one per decrypted request (status, error),
 *            in flows.jsonl; mitmproxy-flow-log.ts reads them
 */
export const MITMPROXY_ADDON_PY = String.raw`
import json, os, time
from mitmproxy import ctx
from mitmproxy.proxy import layers
from mitmproxy.proxy.layers.tls import parse_client_hello

DIR = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(DIR, "hosts.json")) as f:
    LAB = json.load(f)
HOSTS = {k.lower(): v for k, v in LAB["hosts"].items()}
LAB_ADDRESSES = set(HOSTS.values())
LOG = open(os.path.join(DIR, "flows.jsonl"), "a", buffering=1)
STATE = {}

def sni_of(data):
    try:
        ch = parse_client_hello(data)
        return ch.sni if ch else None
    except ValueError:
        return None

def write(rec):
    rec["ts"] = time.time()
    LOG.write(json.dumps(rec) + "\n")

def state(client):
    return STATE.setdefault(client.id, {"client": client.peername[0] if client.peername else None, "method": "CONNECT", "host": None, "port": None, "status": None, "mode": None, "sni": None, "error": None, "upstreamTls": None})

def inner_host(flow):
    # Inside a tunnel the request's host is the lab address server_connect put in; the name
    # is the CONNECT's (or the Host header's).
    s = STATE.get(flow.client_conn.id)
    return (s and s["host"]) or flow.request.pretty_host

class LabOnly:
    def http_connect(self, flow):
        s = state(flow.client_conn)
        s["host"], s["port"] = flow.request.host, flow.request.port
        s["status"] = 200

    def server_connect(self, data):
        host, port = data.server.address
        name = host.lower().rstrip(".")
        address = HOSTS.get(name) or (name if name in LAB_ADDRESSES else None)
        if address is None:
            data.server.error = "[Errno -2] Name or service not known"
            return
        data.server.address = (address, port)
        data.server.sockname = (LAB["address"], 0)

    def next_layer(self, nextlayer):
        # Script addons run before the built-in next_layer: let it decide now, then look.
        if nextlayer.layer is None:
            ctx.master.addons.get("nextlayer").next_layer(nextlayer)
        layer = nextlayer.layer
        # An ignored connection (ignore_hosts) is a TCPLayer without a flow: the splice.
        if isinstance(layer, layers.TCPLayer) and layer.flow is None:
            s = state(nextlayer.context.client)
            s["mode"] = "splice"
            s["sni"] = sni_of(nextlayer.data_client()) or s["sni"]

    def tls_established_client(self, data):
        s = state(data.context.client)
        s["mode"] = "bump"
        s["sni"] = data.conn.sni

    def tls_failed_client(self, data):
        s = state(data.context.client)
        s["mode"] = "bump"
        s["sni"] = data.conn.sni
        s["error"] = "client TLS failed: " + str(data.conn.error)

    def tls_failed_server(self, data):
        s = state(data.context.client)
        s["upstreamTls"] = str(data.conn.error)

    def response(self, flow):
        if flow.request.method == "CONNECT":
            # mitmproxy's own answer to CONNECT: 200, or 502 "Cannot connect to …".
            s = state(flow.client_conn)
            s["status"] = flow.response.status_code
            if flow.response.status_code >= 400:
                s["error"] = flow.response.get_text(strict=False)
            return
        write({"client": flow.client_conn.peername[0], "method": flow.request.method, "host": inner_host(flow), "port": flow.request.port, "path": flow.request.path, "status": flow.response.status_code, "mode": "bump", "sni": flow.client_conn.sni, "error": None, "upstreamTls": None, "clientCert": bool(ctx.options.client_certs)})

    def error(self, flow):
        msg = flow.error.msg if flow.error else None
        if flow.request.method == "CONNECT":
            s = state(flow.client_conn)
            s["host"], s["port"] = flow.request.host, flow.request.port
            s["status"] = flow.response.status_code if flow.response else 502
            s["error"] = msg
            return
        write({"client": flow.client_conn.peername[0], "method": flow.request.method, "host": inner_host(flow), "port": flow.request.port, "path": flow.request.path, "status": flow.response.status_code if flow.response else 502, "mode": "bump", "sni": flow.client_conn.sni, "error": msg, "upstreamTls": None, "clientCert": bool(ctx.options.client_certs)})

    def client_disconnected(self, client):
        s = STATE.pop(client.id, None)
        if s and s["host"] is not None:
            s["clientCert"] = bool(ctx.options.client_certs)
            write(s)

addons = [LabOnly()]
`;
