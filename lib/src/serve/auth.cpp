#include <asp/serve/auth.hpp>

#include <sodium.h>
#include <zxcvbn.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <asp/core/hex.hpp>
#include <asp/core/sha256.hpp>
#include <asp/core/strings.hpp>

namespace asp::serve {
namespace {

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialise");
}

std::optional<int64_t> parse_int(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

// RAII slot of the semaphore.
class Slot {
public:
    Slot(std::counting_semaphore<64>& s, std::chrono::milliseconds wait)
        : s_(s), held_(s.try_acquire_for(wait)) {}
    ~Slot() {
        if (held_) s_.release();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool held() const { return held_; }

private:
    std::counting_semaphore<64>& s_;
    bool held_;
};

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

PasswordHasher::PasswordHasher(int max_concurrent, std::chrono::milliseconds max_wait)
    : slots_(std::clamp(max_concurrent, 1, 64)), max_wait_(max_wait) {
    init_sodium();
}

std::optional<std::string> PasswordHasher::hash(std::string_view password) {
    Slot slot(slots_, max_wait_);
    if (!slot.held()) return std::nullopt;
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("out of memory hashing a password");
    return std::string(out);
}

std::pair<HashOutcome, bool> PasswordHasher::verify(std::string_view stored_hash,
                                                    std::string_view password) {
    if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES)
        return {HashOutcome::Ok, false};
    Slot slot(slots_, max_wait_);
    if (!slot.held()) return {HashOutcome::Busy, false};
    char buf[crypto_pwhash_STRBYTES] = {0};
    std::copy(stored_hash.begin(), stored_hash.end(), buf);
    bool ok = crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
    return {HashOutcome::Ok, ok};
}

SessionCodec::SessionCodec(std::string secret) : secret_(std::move(secret)) {
    init_sodium();
    if (secret_.size() < 32) throw std::runtime_error("the session secret is shorter than 32 bytes");
}

std::string SessionCodec::mac(std::string_view message) const {
    return hmac_sha256_hex(secret_, message);
}

std::string SessionCodec::encode(const SessionClaims& c) const {
    std::string payload = std::to_string(c.user_id) + "." + std::to_string(c.session_rev) + "." +
                          std::to_string(c.expires_at);
    return payload + "." + mac("session:" + payload);
}

std::optional<SessionClaims> SessionCodec::decode(std::string_view cookie, int64_t now) const {
    if (cookie.size() > 200) return std::nullopt;
    size_t last = cookie.rfind('.');
    if (last == std::string_view::npos) return std::nullopt;
    std::string_view payload = cookie.substr(0, last);
    if (!constant_time_equal(cookie.substr(last + 1), mac("session:" + std::string(payload))))
        return std::nullopt;
    std::vector<std::string_view> parts;
    while (true) {
        size_t dot = payload.find('.');
        parts.push_back(payload.substr(0, dot));
        if (dot == std::string_view::npos) break;
        payload = payload.substr(dot + 1);
    }
    if (parts.size() != 3) return std::nullopt;
    auto uid = parse_int(parts[0]), rev = parse_int(parts[1]), exp = parse_int(parts[2]);
    if (!uid || !rev || !exp || *exp <= now) return std::nullopt;
    return SessionClaims{*uid, *rev, *exp};
}

bool SessionCodec::signed_by_us(std::string_view message, std::string_view signature) const {
    return constant_time_equal(mac(message), signature);
}

std::string SessionCodec::new_csrf_token(std::string_view binding) const {
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    std::string value = to_hex(rnd, sizeof rnd);
    return value + "." + mac("csrf:" + std::string(binding) + ":" + value).substr(0, 32);
}

bool SessionCodec::valid_csrf_token(std::string_view token, std::string_view binding) const {
    if (token.size() != 65 || token[32] != '.') return false;
    std::string value(token.substr(0, 32));
    return constant_time_equal(token.substr(33),
                               mac("csrf:" + std::string(binding) + ":" + value).substr(0, 32));
}

std::string_view SessionCodec::session_binding(std::string_view session_cookie) {
    size_t last = session_cookie.rfind('.');
    return last == std::string_view::npos ? session_cookie : session_cookie.substr(last + 1);
}

AccountLoginLimiter::AccountLoginLimiter(unsigned free_attempts, std::chrono::seconds first_delay,
                                         std::chrono::seconds max_delay, Clock& clock)
    : free_attempts_(std::max(1u, free_attempts)), first_delay_(first_delay),
      max_delay_(max_delay), clock_(clock) {}

std::string AccountLoginLimiter::key(std::string_view account) {
    return to_lower_ascii(account.substr(0, 64));
}

int AccountLoginLimiter::begin(std::string_view account) {
    auto now = clock_.now();
    std::lock_guard lock(mu_);
    if (entries_.size() > 200000) {  // forget names whose wait is over and that start afresh
        for (auto it = entries_.begin(); it != entries_.end();)
            it = it->second.next_allowed + max_delay_ < now ? entries_.erase(it) : std::next(it);
    }
    Entry& e = entries_[key(account)];
    if (now < e.next_allowed)
        return static_cast<int>(
                   std::chrono::ceil<std::chrono::seconds>(e.next_allowed - now).count());
    // A name left alone for the longest delay starts afresh.
    if (e.attempts >= free_attempts_ && e.next_allowed + max_delay_ < now) e.attempts = 0;
    ++e.attempts;
    if (e.attempts >= free_attempts_) {
        unsigned doublings = std::min(e.attempts - free_attempts_, 20u);
        auto delay = std::min<std::chrono::seconds>(first_delay_ * (1LL << doublings), max_delay_);
        e.next_allowed = now + delay;
    }
    return 0;
}

void AccountLoginLimiter::succeeded(std::string_view account) {
    std::lock_guard lock(mu_);
    entries_.erase(key(account));
}

std::optional<std::string> password_problem(std::string_view password) {
    if (password.size() < 8 || password.size() > 1024)
        return "A password is 8 to 1024 characters.";
    if (password.find('\0') != std::string_view::npos)
        return "A password cannot contain a NUL character.";
    if (std::all_of(password.begin(), password.end(), [](char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
        }))
        return "A password cannot be only spaces.";
    std::string text(password);
    ZxcMatch_t* info = nullptr;
    double bits = ZxcvbnMatch(text.c_str(), nullptr, &info);
    bool common = bits < 10;
    // One dictionary entry is the whole password (the matches partition it); its entropy is
    // log2 of its rank plus the case/l33t variations.
    if (!common && info != nullptr && info->Next == nullptr && info->Begin == 0) {
        int type = info->Type & ~MULTIPLE_MATCH;
        common = (type == DICTIONARY_MATCH || type == DICT_LEET_MATCH) && info->Entrpy < 14;
    }
    ZxcvbnFreeInfo(info);
    if (common) return "That password is among the most common ones; please choose another.";
    return std::nullopt;
}

LoginRateLimiter::LoginRateLimiter(double burst, std::chrono::seconds refill, Clock& clock)
    : burst_(burst), refill_(refill), clock_(clock) {}

void LoginRateLimiter::refill(Bucket& b, Clock::time_point now) const {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed / static_cast<double>(refill_.count()));
    b.last = now;
}

bool LoginRateLimiter::allow(const std::string& client) {
    auto now = clock_.now();
    std::lock_guard lock(mu_);
    if (buckets_.size() > 100000) {  // forget clients whose buckets are full again
        for (auto it = buckets_.begin(); it != buckets_.end();) {
            refill(it->second, now);
            it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
        }
    }
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
    refill(it->second, now);
    if (it->second.tokens < 1) return false;
    it->second.tokens -= 1;
    return true;
}

int LoginRateLimiter::retry_after(const std::string& client) {
    std::lock_guard lock(mu_);
    auto it = buckets_.find(client);
    if (it == buckets_.end() || it->second.tokens >= 1) return 0;
    return static_cast<int>((1 - it->second.tokens) * static_cast<double>(refill_.count())) + 1;
}

std::optional<std::string> load_session_secret(const std::string& secret_file) {
    std::string secret;
    if (!secret_file.empty()) {
        std::ifstream in(secret_file, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read the session secret file: " + secret_file);
        std::ostringstream ss;
        ss << in.rdbuf();
        secret = ss.str();
        while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
            secret.pop_back();
        if (secret.size() < 32)
            throw std::runtime_error("the session secret file holds fewer than 32 bytes: " +
                                     secret_file);
        return secret;
    }
    if (const char* env = std::getenv("ASP_SESSION_SECRET"); env && *env) {
        secret = env;
        if (secret.size() < 32)
            throw std::runtime_error("ASP_SESSION_SECRET is shorter than 32 bytes");
        return secret;
    }
    return std::nullopt;
}

std::string random_secret() {
    init_sodium();
    unsigned char rnd[32];
    randombytes_buf(rnd, sizeof rnd);
    return to_hex(rnd, sizeof rnd);
}

}  // namespace asp::serve
