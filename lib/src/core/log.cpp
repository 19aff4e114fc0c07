#include <asp/core/log.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <asp/core/hex.hpp>

namespace asp {

std::string log_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto escape = [&out](unsigned char c) {
        out += "\\x";
        out += kHexDigitsLower[c >> 4];
        out += kHexDigitsLower[c & 15];
    };
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f || c == '\\')
                escape(c);
            else
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence (no overlongs, no surrogates, <= U+10FFFF) is kept,
        // except the C1 controls U+0080..U+009F.
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        bool ok = len > 0 && c <= 0xf4 && i + len <= n;
        for (size_t k = 1; ok && k < len; ++k) ok = (s[i + k] & 0xc0) == 0x80;
        if (ok && len == 3) {
            ok = !(c == 0xe0 && s[i + 1] < 0xa0) && !(c == 0xed && s[i + 1] >= 0xa0);
        } else if (ok && len == 4) {
            ok = !(c == 0xf0 && s[i + 1] < 0x90) && !(c == 0xf4 && s[i + 1] >= 0x90);
        } else if (ok && len == 2) {
            ok = !(c == 0xc2 && s[i + 1] < 0xa0);
        }
        if (!ok) {
            escape(c);
            ++i;
            continue;
        }
        out.append(text.substr(i, len));
        i += len;
    }
    return out;
}
namespace {
std::atomic<Verbosity> g_verbosity{Verbosity::Normal};

// The tools' log format, with every message passed through log_escape first: whatever a
// message quotes (a request path, a feed's text, a server's error), it stays one line.
class EscapingFormatter final : public spdlog::formatter {
public:
    explicit EscapingFormatter(std::string pattern)
        : pattern_(std::move(pattern)), inner_(pattern_) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        std::string payload = log_escape(std::string_view(msg.payload.data(), msg.payload.size()));
        spdlog::details::log_msg escaped = msg;
        escaped.payload = spdlog::string_view_t(payload.data(), payload.size());
        inner_.format(escaped, dest);
    }
    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<EscapingFormatter>(pattern_);
    }

private:
    std::string pattern_;
    spdlog::pattern_formatter inner_;
};
}  // namespace

void init_logging(const std::string& tool, Verbosity verbosity) {
    g_verbosity = verbosity;
    auto logger = spdlog::stderr_logger_mt(tool + "-log-" + std::to_string(::getpid()));
    logger->set_formatter(
        std::make_unique<EscapingFormatter>(tool + ": [%Y-%m-%d %H:%M:%S] [%l] %v"));
    switch (verbosity) {
        case Verbosity::Quiet: logger->set_level(spdlog::level::warn); break;
        case Verbosity::Normal: logger->set_level(spdlog::level::info); break;
        case Verbosity::Verbose: logger->set_level(spdlog::level::debug); break;
    }
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

Verbosity current_verbosity() { return g_verbosity; }

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)),
      total_(total),
      tty_(::isatty(STDERR_FILENO) && g_verbosity != Verbosity::Quiet),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
    finish();
}

void Progress::advance(size_t n) {
    std::lock_guard lock(mu_);
    done_ += n;
    report(false);
}

void Progress::finish() {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (tty_ && total_ > 0) std::fputc('\n', stderr);
}

void Progress::report(bool force) {
    if (finished_ || total_ == 0 || g_verbosity == Verbosity::Quiet) return;
    auto now = std::chrono::steady_clock::now();
    auto since = std::chrono::duration<double>(now - last_).count();
    if (tty_) {
        if (!force && since < 0.1 && done_ < total_) return;
        last_ = now;
        const int width = 30;
        int filled = static_cast<int>(width * done_ / total_);
        std::string bar(filled, '#');
        bar.resize(width, '.');
        std::fprintf(stderr, "\r%s [%s] %zu/%zu", label_.c_str(), bar.c_str(), done_, total_);
        std::fflush(stderr);
    } else {
        if (!force && since < 10.0 && done_ < total_) return;
        last_ = now;
        double elapsed = std::chrono::duration<double>(now - start_).count();
        spdlog::info("{}: {}/{} ({:.0f}%, {:.1f} s)", label_, done_, total_,
                     100.0 * static_cast<double>(done_) / static_cast<double>(total_), elapsed);
    }
}

std::string StageSummary::line(const std::string& stage) const {
    return fmt::format("{}: {} done, {} skipped, {} failed in {:.1f} s", stage, done, skipped,
                       failed, seconds);
}

}  // namespace asp
