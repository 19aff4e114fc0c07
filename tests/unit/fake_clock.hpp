// A Clock for unit tests: time passes only when someone sleeps, and every sleep is recorded,
// so a week of backoff runs in microseconds and the waits can be checked one by one.
#pragma once

#include <vector>

#include <asp/core/clock.hpp>

namespace asp::test {

class FakeClock final : public Clock {
public:
    time_point now() override { return now_; }
    void sleep_for(duration d) override {
        sleeps.push_back(std::chrono::duration<double>(d).count());
        now_ += d;
    }
    std::vector<double> sleeps;  // seconds, in order

private:
    time_point now_{};
};

}  // namespace asp::test
