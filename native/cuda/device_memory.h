// Owners of device and pinned host memory: freed when the owner goes, never leaked on an exception path.
#pragma once
#include "gpu_errors.h"
#include <cstddef>
#include <string>
#include <utility>

namespace adabm {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes, const std::string& what) : bytes_(bytes) {
        if (bytes) cuda_check(cudaMalloc(&ptr_, bytes), "cudaMalloc " + std::to_string(bytes) + " bytes for " + what);
    }
    ~DeviceBuffer() { if (ptr_) cudaFree(ptr_); }
    DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            if (ptr_) cudaFree(ptr_);
            ptr_ = std::exchange(o.ptr_, nullptr);
            bytes_ = std::exchange(o.bytes_, 0);
        }
        return *this;
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    template <typename T> T* as() const { return static_cast<T*>(ptr_); }
    size_t bytes() const { return bytes_; }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// Uploads a host vector into a new device buffer (synchronously: weights and tables, once per plan).
template <typename T>
DeviceBuffer upload(const T* data, size_t count, const std::string& what) {
    DeviceBuffer b(count * sizeof(T), what);
    if (count) cuda_check(cudaMemcpy(b.as<void>(), data, count * sizeof(T), cudaMemcpyHostToDevice), "upload " + what);
    return b;
}

class PinnedBuffer {
public:
    PinnedBuffer() = default;
    ~PinnedBuffer() { if (ptr_) cudaFreeHost(ptr_); }
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;
    // grow-only
    void ensure(size_t bytes, const std::string& what) {
        if (bytes <= bytes_) return;
        if (ptr_) cudaFreeHost(ptr_);
        ptr_ = nullptr;
        bytes_ = 0;
        cuda_check(cudaHostAlloc(&ptr_, bytes, cudaHostAllocDefault), "cudaHostAlloc " + std::to_string(bytes) + " bytes for " + what);
        bytes_ = bytes;
    }
    template <typename T> T* as() const { return static_cast<T*>(ptr_); }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

}  // namespace adabm
