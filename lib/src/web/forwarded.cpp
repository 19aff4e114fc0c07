#include <asp/web/forwarded.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <asp/core/strings.hpp>

namespace asp::web {
namespace {

// An address as 16 bytes (IPv4 mapped into IPv6), or nullopt when it is not one.
std::optional<std::array<uint8_t, 16>> parse_address(std::string_view text) {
    if (text.empty() || text.size() > 45) return std::nullopt;
    std::string s(text);
    std::array<uint8_t, 16> out{};
    in_addr v4{};
    if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &v4, 4);
        return out;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::memcpy(out.data(), &v6, 16);
        return out;
    }
    return std::nullopt;
}

bool is_v4_mapped(const std::array<uint8_t, 16>& a) {
    for (int i = 0; i < 10; ++i)
        if (a[i] != 0) return false;
    return a[10] == 0xff && a[11] == 0xff;
}

}  // namespace

void TrustedProxies::add(std::string_view spec) {
    std::string_view addr = spec;
    std::optional<unsigned> prefix;
    if (auto slash = spec.find('/'); slash != std::string_view::npos) {
        addr = spec.substr(0, slash);
        auto bits = spec.substr(slash + 1);
        unsigned n = 0;
        auto [p, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
        if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size())
            throw std::invalid_argument("not an address or network: " + std::string(spec));
        prefix = n;
    }
    auto bytes = parse_address(addr);
    if (!bytes) throw std::invalid_argument("not an address or network: " + std::string(spec));
    Net net;
    net.bytes = *bytes;
    const bool v4 = addr.find(':') == std::string_view::npos;
    if (prefix) {
        if (*prefix > (v4 ? 32u : 128u))
            throw std::invalid_argument("prefix too long: " + std::string(spec));
        net.prefix = v4 ? *prefix + 96 : *prefix;
    }
    nets_.push_back(net);
}

bool TrustedProxies::contains(std::string_view address) const {
    auto a = parse_address(address);
    if (!a) return false;
    for (const auto& net : nets_) {
        unsigned bits = net.prefix;
        bool match = true;
        for (size_t i = 0; i < 16 && bits > 0 && match; ++i) {
            const unsigned take = bits >= 8 ? 8 : bits;
            const auto mask = static_cast<uint8_t>(0xff << (8 - take));
            match = ((*a)[i] & mask) == (net.bytes[i] & mask);
            bits -= take;
        }
        if (match) return true;
    }
    return false;
}

std::string TrustedProxies::client_address(
    std::string_view peer, const std::vector<std::string_view>& forwarded_for) const {
    if (nets_.empty() || !contains(peer)) return std::string(peer);
    // The hops, nearest last.
    std::vector<std::string_view> hops;
    for (auto header : forwarded_for) {
        size_t pos = 0;
        while (pos <= header.size()) {
            size_t comma = header.find(',', pos);
            if (comma == std::string_view::npos) comma = header.size();
            auto hop = trim(header.substr(pos, comma - pos));
            if (!hop.empty()) hops.push_back(hop);
            pos = comma + 1;
        }
    }
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        auto a = parse_address(*it);
        if (!a) break;  // garbage where an address belongs: trust nothing further left
        if (contains(*it)) continue;
        if (is_v4_mapped(*a)) {
            char buf[INET_ADDRSTRLEN];
            if (inet_ntop(AF_INET, a->data() + 12, buf, sizeof buf)) return buf;
        }
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, a->data(), buf, sizeof buf)) return buf;
        break;
    }
    return std::string(peer);
}

}  // namespace asp::web
