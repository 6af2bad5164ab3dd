import { isPublicAddress, parseEndpointUrl } from "../../src/modules/webhooks/webhook-addresses";

describe("where a webhook may be sent", () => {
  it.each([
    "8.8.8.8", "1.1.1.1", "114.114.114.114", "223.5.5.5", "2400:3200::1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
  ])("%s is public", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    // IPv4: unspecified, private, shared, loopback, link-local (metadata), protocol, documentation, benchmarking, multicast, reserved, broadcast
    "0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.255", "169.254.169.254", "172.16.0.1",
    "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.168.0.1", "198.18.0.1", "198.51.100.1", "203.0.113.9", "224.0.0.1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255",
    // IPv6: unspecified, loopback, unique local, link-local (with a zone too), site-local, multicast, documentation, discard, Teredo
    "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1", "2001:db8::1", "100::1", "2001::1",
    // IPv6 carrying a private IPv4 address: mapped (both spellings), compatible, translated, NAT64, 6to4
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::127.0.0.1", "::ffff:0:192.168.0.1", "64:ff9b::a00:1", "2002:c0a8:0101::1",
    // Not addresses at all
    "localhost", "", "999.1.1.1",
  ])("%s is not", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it("takes http(s) URLs with a host, without credentials or a fragment, at most 2,048 characters", () => {
    expect(parseEndpointUrl("https://hooks.example.cn/registry?x=1")).toMatchObject({ ok: true });
    expect(parseEndpointUrl("http://[2400:3200::1]:8443/")).toMatchObject({ ok: true });
    for (const [url, reason] of [
      ["ftp://example.cn/", /http or https/],
      ["file:///etc/passwd", /http or https/],
      ["javascript:alert(1)", /http or https/],
      ["example.cn/hooks", /absolute URL/],
      ["https://user:pw@example.cn/", /user name or password/],
      ["https://example.cn/#top", /fragment/],
      [`https://example.cn/${"a".repeat(2048)}`, /2048/],
    ] as const) {
      const parsed = parseEndpointUrl(url);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(reason);
    }
  });
});
