#include "ml/section_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <asp/core/atomic_file.hpp>

namespace asp::ml {
namespace {

constexpr char kMagic[8] = {'A', 'S', 'P', 'I', 'D', 'X', 0, 0};
constexpr size_t kHeaderSize = 32;
constexpr size_t kEntrySize = 32;
constexpr size_t kNameSize = 16;

size_t align8(size_t n) { return (n + 7) & ~size_t{7}; }

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }

template <class T>
T get(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

void SectionFileWriter::add_bytes(std::string name, const void* data, size_t size) {
    if (name.size() >= kNameSize) throw std::invalid_argument("section name too long: " + name);
    sections_.push_back({std::move(name), data, size});
}

void SectionFileWriter::write(const std::filesystem::path& path) const {
    const size_t table_end = kHeaderSize + kEntrySize * sections_.size();
    std::vector<uint64_t> offsets;
    size_t pos = align8(table_end);
    for (const auto& s : sections_) {
        offsets.push_back(pos);
        pos = align8(pos + s.size);
    }
    std::string head;
    head.append(kMagic, sizeof kMagic);
    put_u32(head, kSectionFormatVersion);
    put_u32(head, kind_);
    put_u32(head, static_cast<uint32_t>(sections_.size()));
    put_u32(head, 0);
    put_u64(head, pos);
    for (size_t i = 0; i < sections_.size(); ++i) {
        std::string name = sections_[i].name;
        name.resize(kNameSize, '\0');
        head += name;
        put_u64(head, offsets[i]);
        put_u64(head, sections_[i].size);
    }
    head.resize(align8(table_end), '\0');

    AtomicFile out(path);
    out.write(head);
    size_t at = head.size();
    static const char zeros[8] = {};
    for (size_t i = 0; i < sections_.size(); ++i) {
        if (sections_[i].size) out.write(sections_[i].data, sections_[i].size);
        at += sections_[i].size;
        const size_t pad = align8(at) - at;
        if (pad) out.write(zeros, pad);
        at += pad;
    }
    out.commit();
}

MappedFile::MappedFile(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), path.string());
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), path.string());
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            const int e = errno;
            ::close(fd);
            throw std::system_error(e, std::generic_category(), "mmap " + path.string());
        }
        data_ = static_cast<const unsigned char*>(p);
    }
    ::close(fd);
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

void SectionFile::bad(const std::string& why) const {
    throw std::runtime_error(path_.string() + ": " + why);
}

SectionFile::SectionFile(const std::filesystem::path& path, uint32_t kind)
    : path_(path), map_(std::make_unique<MappedFile>(path)) {
    const unsigned char* d = map_->data();
    const size_t n = map_->size();
    if (n < kHeaderSize || std::memcmp(d, kMagic, sizeof kMagic) != 0)
        bad("not an index file (bad magic)");
    const auto version = get<uint32_t>(d + 8);
    if (version != kSectionFormatVersion)
        bad("format version " + std::to_string(version) + ", this program reads " +
            std::to_string(kSectionFormatVersion));
    if (get<uint32_t>(d + 12) != kind) bad("unexpected file kind");
    const auto count = get<uint32_t>(d + 16);
    const auto file_size = get<uint64_t>(d + 24);
    if (file_size != n) bad("truncated (size " + std::to_string(n) + " of " +
                            std::to_string(file_size) + ")");
    if (kHeaderSize + kEntrySize * static_cast<size_t>(count) > n) bad("truncated section table");
    for (uint32_t i = 0; i < count; ++i) {
        const unsigned char* e = d + kHeaderSize + kEntrySize * i;
        std::string name(reinterpret_cast<const char*>(e), kNameSize);
        name.resize(std::strlen(name.c_str()));
        const auto off = get<uint64_t>(e + kNameSize);
        const auto size = get<uint64_t>(e + kNameSize + 8);
        if (off % 8 != 0 || off > n || size > n - off) bad("section " + name + " out of bounds");
        entries_.push_back({std::move(name), off, size});
    }
}

bool SectionFile::has(std::string_view name) const {
    for (const auto& e : entries_)
        if (e.name == name) return true;
    return false;
}

std::span<const unsigned char> SectionFile::bytes(std::string_view name) const {
    for (const auto& e : entries_)
        if (e.name == name) return {map_->data() + e.offset, static_cast<size_t>(e.size)};
    bad("missing section " + std::string(name));
}

uint64_t SectionFile::offset(std::string_view name) const {
    for (const auto& e : entries_)
        if (e.name == name) return e.offset;
    bad("missing section " + std::string(name));
}

StringTable::StringTable(const SectionFile& f, const std::string& name)
    : offsets_(f.array<uint64_t>(name + ".off")), blob_(f.text(name)) {
    if (offsets_.empty() || offsets_.back() > blob_.size()) f.bad("bad string table " + name);
    for (size_t i = 1; i < offsets_.size(); ++i)
        if (offsets_[i] < offsets_[i - 1]) f.bad("bad string table " + name);
}

}  // namespace asp::ml
