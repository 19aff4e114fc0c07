// 64-bit term hashing and a compact open-addressing map from hash to count, so fitting a
// vocabulary counts tens of millions of distinct n-grams in 16 bytes each, without strings.
// Two terms sharing a 64-bit hash (odds ~1e-4 at 50 million terms) would be counted together.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace asp::ml {

inline uint64_t term_hash(std::string_view s) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    // splitmix64 finalizer: FNV's low bits are weak for a power-of-two table.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h == 0 ? 1 : h;  // 0 marks an empty slot
}

class HashCounter {
public:
    HashCounter() : slots_(1024) {}

    void add(uint64_t key, uint64_t n = 1) {
        if ((size_ + 1) * 10 > slots_.size() * 7) grow();
        auto& s = find(key);
        if (s.first == 0) {
            s.first = key;
            ++size_;
        }
        s.second += n;
    }
    uint64_t get(uint64_t key) const {
        const size_t mask = slots_.size() - 1;
        for (size_t i = key & mask;; i = (i + 1) & mask) {
            if (slots_[i].first == key) return slots_[i].second;
            if (slots_[i].first == 0) return 0;
        }
    }
    bool contains(uint64_t key) const { return get(key) != 0; }
    size_t size() const { return size_; }
    template <class Fn>
    void for_each(Fn&& fn) const {
        for (const auto& s : slots_)
            if (s.first) fn(s.first, s.second);
    }
    void merge(const HashCounter& other) {
        other.for_each([&](uint64_t k, uint64_t v) { add(k, v); });
    }
    void clear() {
        std::vector<std::pair<uint64_t, uint64_t>>(1024).swap(slots_);
        size_ = 0;
    }
    // Drops every key whose count is <= t (lossy counting: a kept count is then short by at
    // most the sum of the thresholds used).
    void keep_above(uint64_t t) {
        std::vector<std::pair<uint64_t, uint64_t>> old;
        old.swap(slots_);
        slots_.assign(old.size(), {0, 0});
        size_ = 0;
        for (const auto& s : old)
            if (s.first && s.second > t) {
                find(s.first) = s;
                ++size_;
            }
    }

private:
    std::pair<uint64_t, uint64_t>& find(uint64_t key) {
        const size_t mask = slots_.size() - 1;
        for (size_t i = key & mask;; i = (i + 1) & mask)
            if (slots_[i].first == key || slots_[i].first == 0) return slots_[i];
    }
    void grow() {
        std::vector<std::pair<uint64_t, uint64_t>> old(slots_.size() * 2);
        old.swap(slots_);
        size_ = 0;
        for (const auto& s : old)
            if (s.first) {
                auto& d = find(s.first);
                d = s;
                ++size_;
            }
    }

    std::vector<std::pair<uint64_t, uint64_t>> slots_;
    size_t size_ = 0;
};

}  // namespace asp::ml
