// Accounts' security pieces, kept apart from HTTP so each is unit-tested alone:
// - PasswordHasher: argon2id (libsodium crypto_pwhash_str, "interactive" limits: ~64 MiB and
//   ~100 ms each), with a bound on how many run at once so a burst of logins cannot exhaust
//   the memory of a small instance; over the bound, callers wait briefly, then get "busy".
// - SessionCodec: the session cookie, "<user id>.<session rev>.<expiry>.<HMAC-SHA256>", signed
//   with a secret every instance shares, so no instance keeps sessions in memory. A cookie is
//   honoured only while the user's session_rev in the store still matches (logout, password
//   change and account deletion bump or remove it) and before its expiry.
// - CSRF tokens: random values signed with the same secret (a double-submit cookie that a
//   sibling site cannot forge), compared in constant time with the header or form field.
// - LoginRateLimiter: a token bucket per client address for login and sign-up attempts.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>
#include <unordered_map>

namespace asp::serve {

enum class HashOutcome { Ok, Busy };

class PasswordHasher {
public:
    explicit PasswordHasher(int max_concurrent = 2,
                            std::chrono::milliseconds max_wait = std::chrono::milliseconds(2000));
    // The argon2id string, or nullopt when too many hashes run (Busy).
    std::optional<std::string> hash(std::string_view password);
    // Ok+true / Ok+false, or Busy. An empty or malformed stored hash never verifies.
    std::pair<HashOutcome, bool> verify(std::string_view stored_hash, std::string_view password);

private:
    std::counting_semaphore<64> slots_;
    std::chrono::milliseconds max_wait_;
};

struct SessionClaims {
    int64_t user_id = 0;
    int64_t session_rev = 0;
    int64_t expires_at = 0;  // unix seconds
};

class SessionCodec {
public:
    // `secret`: at least 32 bytes.
    explicit SessionCodec(std::string secret);
    std::string encode(const SessionClaims& claims) const;
    // nullopt when malformed, tampered with or expired at `now` (unix seconds).
    std::optional<SessionClaims> decode(std::string_view cookie, int64_t now) const;

    // Hex HMAC-SHA256 of `message` under the shared secret (links that must be unforgeable,
    // e.g. e-mail verification), and its constant-time check.
    std::string sign(std::string_view message) const { return mac(message); }
    bool signed_by_us(std::string_view message, std::string_view signature) const;

    std::string new_csrf_token() const;
    bool valid_csrf_token(std::string_view token) const;

private:
    std::string mac(std::string_view message) const;  // hex HMAC-SHA256
    std::string secret_;
};

// Constant-time equality (for tokens).
bool constant_time_equal(std::string_view a, std::string_view b);

class LoginRateLimiter {
public:
    // `burst` attempts at once, then one more every `refill`.
    LoginRateLimiter(double burst = 10, std::chrono::seconds refill = std::chrono::seconds(6));
    // True when `client` may try now (and counts the attempt).
    bool allow(const std::string& client);
    // Seconds until `client` may try again.
    int retry_after(const std::string& client);

private:
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point last;
    };
    void refill(Bucket& b, std::chrono::steady_clock::time_point now) const;
    double burst_;
    std::chrono::seconds refill_;
    std::mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_;
};

// The session secret: the contents of `secret_file` when given, else $ASP_SESSION_SECRET,
// else nullopt. Throws std::runtime_error when the file cannot be read or is shorter than
// 32 bytes.
std::optional<std::string> load_session_secret(const std::string& secret_file);
// 32 random bytes (hex), for a single instance without a configured secret.
std::string random_secret();

}  // namespace asp::serve
