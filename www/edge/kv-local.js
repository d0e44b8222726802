// A local stand-in for Workers KV under plain workerd: answers the HTTP requests that workerd's KV
// namespace binding makes (GET, PUT, DELETE of https://fake-host/<key>?urlencoded=true
// [&expiration_ttl=s | &expiration=t]) from memory, with KV's expiry. It has none of KV's eventual
// consistency or write rate limits. With a `FAIL_MARKER` text binding, keys containing it answer
// 500, as a failing KV would (the tests use it to inject faults).
const records = new Map();

function keyOf(url) {
  const raw = url.pathname.slice(1);
  return url.searchParams.get("urlencoded") === "true" ? decodeURIComponent(raw) : raw;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = keyOf(url);
    const marker = env?.FAIL_MARKER;
    if (marker && key.includes(marker)) return new Response("injected failure", { status: 500 });
    const now = Date.now();
    switch (request.method) {
      case "GET": {
        const r = records.get(key);
        if (r === undefined || (r.expiresAt !== null && now >= r.expiresAt)) {
          records.delete(key);
          return new Response(null, { status: 404 });
        }
        return new Response(r.value);
      }
      case "PUT": {
        const ttl = url.searchParams.get("expiration_ttl");
        const at = url.searchParams.get("expiration");
        const expiresAt = ttl !== null ? now + Number(ttl) * 1000 : at !== null ? Number(at) * 1000 : null;
        records.set(key, { value: await request.text(), expiresAt });
        return new Response(null, { status: 200 });
      }
      case "DELETE":
        records.delete(key);
        return new Response(null, { status: 200 });
      default:
        return new Response("method not allowed", { status: 405 });
    }
  },
};
