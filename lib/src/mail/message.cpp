#include <asp/mail/message.hpp>

#include <algorithm>
#include <ctime>

#include <sodium.h>

#include <asp/core/hex.hpp>
#include <asp/core/strings.hpp>

namespace asp::mail {
namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool valid_local_part(std::string_view local) {
    if (local.empty() || local.size() > 64) return false;
    if (local.front() == '.' || local.back() == '.') return false;
    static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~.";
    char prev = 0;
    for (char c : local) {
        if (!is_alnum(c) && kSpecials.find(c) == std::string_view::npos) return false;
        if (c == '.' && prev == '.') return false;
        prev = c;
    }
    return true;
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253) return false;
    size_t labels = 0;
    size_t start = 0;
    while (start <= domain.size()) {
        size_t dot = domain.find('.', start);
        if (dot == std::string_view::npos) dot = domain.size();
        std::string_view label = domain.substr(start, dot - start);
        if (label.empty() || label.size() > 63) return false;
        if (label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; }))
            return false;
        ++labels;
        start = dot + 1;
    }
    return labels >= 2;
}

std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

// Base64 in lines of 76 characters, CRLF-terminated (RFC 2045).
std::string base64_lines(std::string_view bytes) {
    const std::string b = base64(bytes);
    std::string out;
    out.reserve(b.size() + b.size() / 76 * 2 + 2);
    for (size_t i = 0; i < b.size(); i += 76) {
        out.append(b, i, 76);
        out += "\r\n";
    }
    return out;
}

bool plain_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
}

bool valid_header_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 &&
           std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// `"Name" <addr>` with the name as encoded words when needed; quotes and backslashes in a
// plain-ASCII name are escaped.
std::string mailbox(std::string_view name, std::string_view address) {
    if (name.empty()) return "<" + std::string(address) + ">";
    std::string shown;
    if (plain_ascii(name)) {
        shown += '"';
        for (char c : name) {
            if (c == '"' || c == '\\') shown += '\\';
            shown += c;
        }
        shown += '"';
    } else {
        shown = encode_header_words(name);
    }
    return shown + " <" + std::string(address) + ">";
}

}  // namespace

std::string random_hex_token(size_t bytes) {
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    return to_hex(raw);
}

std::string format_rfc1123_date(int64_t unix_seconds, std::string_view zone) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d ", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf + std::string(zone);
}

bool valid_address(std::string_view address) {
    if (address.size() < 3 || address.size() > 254) return false;
    const size_t at = address.rfind('@');
    if (at == std::string_view::npos) return false;
    return valid_local_part(address.substr(0, at)) && valid_domain(address.substr(at + 1));
}

std::string normalize_address(std::string_view address) {
    const size_t at = address.rfind('@');
    if (at == std::string::npos) return std::string(address);
    return std::string(address.substr(0, at)) + to_lower_ascii(address.substr(at));
}

bool safe_header_text(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

std::string encode_header_words(std::string_view text) {
    if (plain_ascii(text)) return std::string(text);
    // Each encoded word holds at most 45 input bytes (60 base64 characters) and never splits
    // a UTF-8 sequence; words are separated by folding whitespace (CRLF SP).
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t end = std::min(text.size(), i + 45);
        while (end < text.size() && end > i &&
               (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
        if (end == i) end = std::min(text.size(), i + 45);
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

std::optional<std::string> render(const Message& m, const RenderOptions& options,
                                  std::string* why) {
    auto refuse = [why](std::string reason) -> std::optional<std::string> {
        if (why) *why = std::move(reason);
        return std::nullopt;
    };
    if (!valid_address(m.from)) return refuse("invalid From address");
    if (!valid_address(m.to)) return refuse("invalid To address");
    if (!safe_header_text(m.from_name)) return refuse("control character in the From name");
    if (!safe_header_text(m.subject)) return refuse("control character in the Subject");
    for (const auto& [name, value] : m.headers) {
        if (!valid_header_name(name)) return refuse("invalid header name");
        if (!safe_header_text(value) || !plain_ascii(value))
            return refuse("invalid value of header " + name);
    }
    const std::string domain = m.from.substr(m.from.rfind('@') + 1);
    const std::string message_id =
        options.message_id.empty() ? "<" + random_hex_token(16) + "@" + domain + ">" : options.message_id;
    if (!safe_header_text(message_id)) return refuse("invalid Message-ID");

    std::string out;
    out.reserve(m.text.size() * 2 + m.html.size() * 2 + 1024);
    out += "Date: " + format_rfc1123_date(options.date) + "\r\n";
    out += "From: " + mailbox(m.from_name, m.from) + "\r\n";
    out += "To: <" + m.to + ">\r\n";
    out += "Subject: " + encode_header_words(m.subject) + "\r\n";
    out += "Message-ID: " + message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    for (const auto& [name, value] : m.headers) out += name + ": " + value + "\r\n";
    if (m.html.empty()) {
        out += "Content-Type: text/plain; charset=UTF-8\r\n";
        out += "Content-Transfer-Encoding: base64\r\n\r\n";
        out += base64_lines(m.text);
        return out;
    }
    const std::string boundary =
        options.boundary.empty() ? "=_asp_" + random_hex_token(12) : options.boundary;
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "This is a multi-part message in MIME format.\r\n";
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(m.text);
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/html; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(m.html);
    out += "--" + boundary + "--\r\n";
    return out;
}

}  // namespace asp::mail
