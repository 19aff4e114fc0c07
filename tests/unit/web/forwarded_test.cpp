// TrustedProxies: which peers may name the client in X-Forwarded-For, and which entry is it.
#include <asp/web/forwarded.hpp>

#include <stdexcept>

#include "unit/catch_compat.hpp"

using asp::web::TrustedProxies;

TEST_CASE("trusted proxies: addresses and networks", "[web]") {
    TrustedProxies p;
    CHECK(p.empty());
    p.add("10.1.2.3");
    p.add("192.168.0.0/16");
    p.add("fd00::/8");
    p.add("::1");
    CHECK_FALSE(p.empty());
    CHECK(p.contains("10.1.2.3"));
    CHECK_FALSE(p.contains("10.1.2.4"));
    CHECK(p.contains("192.168.255.1"));
    CHECK_FALSE(p.contains("192.169.0.1"));
    CHECK(p.contains("::ffff:192.168.3.4"));  // IPv4-mapped
    CHECK(p.contains("fdab::1"));
    CHECK_FALSE(p.contains("fe80::1"));
    CHECK(p.contains("::1"));
    CHECK_FALSE(p.contains("not an address"));
    CHECK_FALSE(p.contains(""));

    TrustedProxies all;
    all.add("0.0.0.0/0");
    CHECK(all.contains("8.8.8.8"));
    CHECK_FALSE(all.contains("2001:db8::1"));  // an IPv4 network holds no IPv6 address

    for (const char* bad : {"", "10.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "fd00::/129",
                            "host.example", "10.0.0.0/8/8"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(TrustedProxies().add(bad), std::invalid_argument);
    }
}

TEST_CASE("trusted proxies: the client is the right-most untrusted X-Forwarded-For entry", "[web]") {
    TrustedProxies p;
    p.add("10.0.0.1");
    p.add("10.0.1.0/24");
    // From a trusted peer.
    CHECK(p.client_address("10.0.0.1", {"203.0.113.5"}) == "203.0.113.5");
    CHECK(p.client_address("10.0.0.1", {" 1.2.3.4 , 203.0.113.5 "}) == "203.0.113.5");
    CHECK(p.client_address("10.0.0.1", {"203.0.113.5, 10.0.1.7"}) == "203.0.113.5");
    CHECK(p.client_address("10.0.0.1", {"1.2.3.4", "203.0.113.5"}) == "203.0.113.5");
    CHECK(p.client_address("10.0.0.1", {"2001:DB8::0:1"}) == "2001:db8::1");  // normalised
    CHECK(p.client_address("10.0.0.1", {"::ffff:203.0.113.9"}) == "203.0.113.9");
    // Nothing usable: the peer.
    CHECK(p.client_address("10.0.0.1", {}) == "10.0.0.1");
    CHECK(p.client_address("10.0.0.1", {""}) == "10.0.0.1");
    CHECK(p.client_address("10.0.0.1", {"unknown"}) == "10.0.0.1");
    CHECK(p.client_address("10.0.0.1", {"203.0.113.5, garbage"}) == "10.0.0.1");
    CHECK(p.client_address("10.0.0.1", {"10.0.1.3, 10.0.0.1"}) == "10.0.0.1");  // all trusted
    CHECK(p.client_address("10.0.0.1", {std::string(5000, '1')}) == "10.0.0.1");
    // From an untrusted peer: the header is ignored, whatever it says.
    CHECK(p.client_address("198.51.100.1", {"203.0.113.5"}) == "198.51.100.1");
    CHECK(p.client_address("10.0.0.2", {"10.0.0.1"}) == "10.0.0.2");
    // No trusted proxies at all.
    CHECK(TrustedProxies().client_address("10.0.0.1", {"203.0.113.5"}) == "10.0.0.1");
}
