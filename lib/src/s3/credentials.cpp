#include <asp/s3/credentials.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include <asp/core/atomic_file.hpp>
#include <asp/core/strings.hpp>
#include <asp/core/time.hpp>
#include <asp/net/http_client.hpp>

namespace asp::s3 {
namespace {

// Blanks around a line of a credentials file (CRLF files end their lines in '\r').
constexpr std::string_view kLineBlanks = " \t\r";

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
    auto v = env(name);
    if (v && v->empty()) return std::nullopt;
    return v;
}

class StaticProvider final : public CredentialsProvider {
public:
    StaticProvider(Credentials c, std::string source) : c_(std::move(c)), source_(std::move(source)) {}
    Result<Credentials> get() override { return c_; }
    std::string source() const override { return source_; }

private:
    Credentials c_;
    std::string source_;
};

// IMDSv2: a session token first (PUT), then the role name, then the role's temporary keys.
class InstanceRoleProvider {
public:
    InstanceRoleProvider(HttpClient& http, Clock& clock, std::string endpoint)
        : http_(http), clock_(clock), endpoint_(std::move(endpoint)) {
        while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    }

    Result<Credentials> get() {
        std::lock_guard lock(mu_);
        auto now = clock_.wall_now();
        if (cached_ && now + std::chrono::minutes(5) < expiration_) return *cached_;
        auto fresh = fetch();
        if (!fresh.ok()) {
            // A refresh that fails while the old keys are still valid keeps them.
            if (cached_ && now < expiration_) return *cached_;
            return fresh.error();
        }
        return *cached_;
    }
    const std::string& role() const { return role_; }

private:
    HttpResponse call(const std::string& method, const std::string& path,
                      std::map<std::string, std::string> headers) {
        HttpRequest req;
        req.method = method;
        req.url = endpoint_ + path;
        req.headers = std::move(headers);
        req.connect_timeout = std::chrono::milliseconds(1000);
        req.timeout = std::chrono::milliseconds(3000);
        HttpResponse resp;
        for (int attempt = 0; attempt < 3; ++attempt) {
            resp = http_.perform(req);
            if (!resp.transport_error && resp.status < 500) break;
        }
        return resp;
    }

    Status fetch() {
        auto where = "instance metadata service " + endpoint_;
        auto tok = call("PUT", "/latest/api/token",
                        {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}});
        if (!tok.ok())
            return fail(ErrorCode::unavailable, where + ": no IMDSv2 token (" +
                        (tok.transport_error ? tok.error : "HTTP " + std::to_string(tok.status)) +
                        ")");
        std::map<std::string, std::string> auth{{"X-aws-ec2-metadata-token", tok.body}};
        auto roles = call("GET", "/latest/meta-data/iam/security-credentials/", auth);
        if (!roles.ok())
            return fail(ErrorCode::unavailable,
                        where + ": no instance role (HTTP " + std::to_string(roles.status) + ")");
        std::string role(trim(std::string_view(roles.body).substr(0, roles.body.find('\n')), kLineBlanks));
        if (role.empty()) return fail(ErrorCode::not_found, where + ": no instance role attached");
        auto keys = call("GET", "/latest/meta-data/iam/security-credentials/" + role, auth);
        if (!keys.ok())
            return fail(ErrorCode::unavailable, where + ": no credentials for role " + role + " (HTTP " +
                        std::to_string(keys.status) + ")");
        auto j = nlohmann::json::parse(keys.body, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("AccessKeyId") ||
            !j.contains("SecretAccessKey"))
            return fail(ErrorCode::corruption, where + ": malformed credentials for role " + role);
        Credentials c{j.value("AccessKeyId", ""), j.value("SecretAccessKey", ""),
                      j.value("Token", "")};
        auto exp = parse_iso8601(j.value("Expiration", ""));
        // No Expiration: assume an hour, AWS's usual lifetime.
        // (Clamped to the year 2100: system_clock's nanoseconds end in 2262.)
        expiration_ = exp ? std::chrono::system_clock::time_point(
                                std::chrono::seconds(std::min<int64_t>(*exp, 4102444800)))
                          : clock_.wall_now() + std::chrono::hours(1);
        role_ = role;
        cached_ = c;
        return Ok{};
    }

    HttpClient& http_;
    Clock& clock_;
    std::string endpoint_;
    std::mutex mu_;
    std::optional<Credentials> cached_;
    std::chrono::system_clock::time_point expiration_{};
    std::string role_;
};

class ChainProvider final : public CredentialsProvider {
public:
    ChainProvider(HttpClient& http, EnvLookup env, Clock& clock)
        : http_(http), env_(std::move(env)), clock_(clock) {}

    Result<Credentials> get() override {
        if (fixed_) return fixed_->get();
        if (imds_) return imds_->get();
        std::string looked;
        auto id = non_empty(env_, "AWS_ACCESS_KEY_ID");
        auto secret = non_empty(env_, "AWS_SECRET_ACCESS_KEY");
        if (id && secret) {
            fixed_ = std::make_unique<StaticProvider>(
                Credentials{*id, *secret, env_("AWS_SESSION_TOKEN").value_or("")}, "environment");
            return fixed_->get();
        }
        looked += "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset";

        std::string file;
        if (auto f = non_empty(env_, "AWS_SHARED_CREDENTIALS_FILE")) file = *f;
        else if (auto home = non_empty(env_, "HOME")) file = *home + "/.aws/credentials";
        std::string profile = non_empty(env_, "AWS_PROFILE").value_or("default");
        if (!file.empty()) {
            std::error_code ec;
            if (std::filesystem::exists(file, ec)) {
                if (auto c = parse_shared_credentials(read_file(file), profile)) {
                    fixed_ = std::make_unique<StaticProvider>(
                        *c, "shared credentials file " + file + " [" + profile + "]");
                    return fixed_->get();
                }
                looked += "; no keys for profile [" + profile + "] in " + file;
            } else {
                looked += "; no " + file;
            }
        }

        auto disabled = env_("AWS_EC2_METADATA_DISABLED");
        if (disabled && (*disabled == "true" || *disabled == "1"))
            return fail(ErrorCode::not_found,
                        "no AWS credentials: " + looked + "; instance metadata disabled");
        auto imds = std::make_unique<InstanceRoleProvider>(
            http_, clock_, non_empty(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
                       .value_or("http://169.254.169.254"));
        auto c = imds->get();
        if (!c.ok())
            return fail(ErrorCode::not_found, "no AWS credentials: " + looked + "; " + c.error().message);
        imds_ = std::move(imds);
        return c;
    }

    std::string source() const override {
        if (fixed_) return fixed_->source();
        if (imds_) return "instance role " + imds_->role();
        return "none";
    }

private:
    HttpClient& http_;
    EnvLookup env_;
    Clock& clock_;
    std::unique_ptr<StaticProvider> fixed_;
    std::unique_ptr<InstanceRoleProvider> imds_;
};

}  // namespace

EnvLookup process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

std::optional<Credentials> parse_shared_credentials(std::string_view text, std::string_view profile) {
    Credentials c;
    bool in_profile = false;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string line(trim(text.substr(0, nl), kLineBlanks));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            std::string name(trim(std::string_view(line).substr(1, line.size() - 2), kLineBlanks));
            // ~/.aws/config spells non-default sections "profile NAME".
            if (name.starts_with("profile "))
                name = std::string(trim(std::string_view(name).substr(8), kLineBlanks));
            in_profile = name == profile;
            continue;
        }
        if (!in_profile) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key(trim(std::string_view(line).substr(0, eq), kLineBlanks));
        std::string value(trim(std::string_view(line).substr(eq + 1), kLineBlanks));
        if (key == "aws_access_key_id") c.access_key_id = value;
        else if (key == "aws_secret_access_key") c.secret_access_key = value;
        else if (key == "aws_session_token") c.session_token = value;
    }
    if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
    return c;
}

std::string region_from_env(const EnvLookup& env) {
    if (auto r = non_empty(env, "AWS_REGION")) return *r;
    if (auto r = non_empty(env, "AWS_DEFAULT_REGION")) return *r;
    return "us-east-1";
}

std::unique_ptr<CredentialsProvider> make_default_credentials_provider(HttpClient& http,
                                                                       EnvLookup env,
                                                                       Clock& clock) {
    return std::make_unique<ChainProvider>(http, std::move(env), clock);
}

std::unique_ptr<CredentialsProvider> make_static_credentials_provider(Credentials credentials) {
    return std::make_unique<StaticProvider>(std::move(credentials), "given");
}

}  // namespace asp::s3
