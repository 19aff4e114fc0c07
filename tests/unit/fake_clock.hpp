// A Clock for unit tests: time passes only when someone sleeps (or the test advances it), and
// every sleep is recorded, so a week of backoff runs in microseconds and the waits can be
// checked one by one. The calendar starts at `wall_start` (2026-01-01T00:00:00Z unless set)
// and moves with the monotonic time. Not thread-safe: tests drive it from one thread.
#pragma once

#include <vector>

#include <asp/core/clock.hpp>

namespace asp::test {

class FakeClock final : public Clock {
public:
    time_point now() override { return now_; }
    wall_time_point wall_now() override {
        return wall_start +
               std::chrono::duration_cast<wall_time_point::duration>(now_.time_since_epoch());
    }
    void sleep_for(duration d) override {
        sleeps.push_back(std::chrono::duration<double>(d).count());
        now_ += d;
    }
    // Time passes without a sleep (what a test's "meanwhile" takes).
    void advance(duration d) { now_ += d; }
    std::vector<double> sleeps;  // seconds, in order
    wall_time_point wall_start{std::chrono::seconds(1767225600)};  // 2026-01-01T00:00:00Z

private:
    time_point now_{};
};

}  // namespace asp::test
