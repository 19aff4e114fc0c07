// SectionFile: the container of every binary file analyze and buildsvm write (index/, recs/;
// layout in docs/formats/index.md). A 32-byte header (magic "ASPIDX\0\0", format version, a
// four-character kind, section count, file size), a table of named sections (name, offset,
// size) and the sections themselves, each 8-byte aligned, little-endian POD arrays. A reader
// maps the file read-only and views sections in place, with no parsing.
//
// Writing goes through AtomicFile. Reading throws std::runtime_error naming the path when the
// file is missing, truncated, of another kind or of a newer format version.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asp::ml {

inline constexpr uint32_t kSectionFormatVersion = 1;

constexpr uint32_t fourcc(const char (&s)[5]) {
    return static_cast<uint32_t>(static_cast<unsigned char>(s[0])) |
           static_cast<uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(s[2])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(s[3])) << 24;
}

class SectionFileWriter {
public:
    explicit SectionFileWriter(uint32_t kind) : kind_(kind) {}

    // The bytes are referenced, not copied: they must stay alive until write().
    void add_bytes(std::string name, const void* data, size_t size);
    template <class T>
    void add(std::string name, const std::vector<T>& v) {
        add_bytes(std::move(name), v.data(), v.size() * sizeof(T));
    }
    void add(std::string name, const std::string& s) {
        add_bytes(std::move(name), s.data(), s.size());
    }

    void write(const std::filesystem::path& path) const;

private:
    struct Section {
        std::string name;
        const void* data;
        size_t size;
    };
    uint32_t kind_;
    std::vector<Section> sections_;
};

// A read-only memory map of a whole file.
class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    const unsigned char* data() const { return data_; }
    size_t size() const { return size_; }

private:
    const unsigned char* data_ = nullptr;
    size_t size_ = 0;
};

class SectionFile {
public:
    SectionFile(const std::filesystem::path& path, uint32_t kind);

    bool has(std::string_view name) const;
    std::span<const unsigned char> bytes(std::string_view name) const;
    template <class T>
    std::span<const T> array(std::string_view name) const {
        auto b = bytes(name);
        if (b.size() % sizeof(T) != 0) bad("section " + std::string(name) + " has a bad size");
        return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
    }
    std::string_view text(std::string_view name) const {
        auto b = bytes(name);
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }
    const std::filesystem::path& path() const { return path_; }
    // Where a section starts in the file (for reading it with pread instead of the mapping).
    uint64_t offset(std::string_view name) const;
    [[noreturn]] void bad(const std::string& why) const;

private:
    struct Entry {
        std::string name;
        uint64_t offset, size;
    };
    std::filesystem::path path_;
    std::unique_ptr<MappedFile> map_;
    std::vector<Entry> entries_;
};

// Strings stored as one blob plus N+1 offsets ("<name>.off" u64, "<name>" chars).
class StringTableBuilder {
public:
    void add(std::string_view s) {
        blob_.append(s);
        offsets_.push_back(blob_.size());
    }
    size_t size() const { return offsets_.size() - 1; }
    void add_to(SectionFileWriter& w, const std::string& name) const {
        w.add(name + ".off", offsets_);
        w.add(name, blob_);
    }

private:
    std::string blob_;
    std::vector<uint64_t> offsets_{0};
};

class StringTable {
public:
    StringTable() = default;
    StringTable(const SectionFile& f, const std::string& name);
    size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
    std::string_view operator[](size_t i) const {
        return blob_.substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
    }

private:
    std::span<const uint64_t> offsets_;
    std::string_view blob_;
};

}  // namespace asp::ml
