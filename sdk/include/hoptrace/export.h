// Span processors (what happens to a span when it starts and ends) and span exporters (where
// finished spans go).
//
// Processors: SimpleSpanProcessor exports each span synchronously on the thread that ends it
// (tests, debugging). BatchSpanProcessor queues finished spans in a bounded queue and exports them
// on its own thread; when the queue is full new spans are dropped and counted, so ending a span
// never blocks on the exporter.
//
// Exporters: console (readable text or JSON lines), OTLP/HTTP protobuf (otlp_http.h), in-memory.
//
// Thread-safety: OnStart/OnEnd are called concurrently from any thread. Export is called by one
// thread at a time (processors serialise it). ForceFlush and Shutdown may be called from any
// thread; Shutdown is idempotent.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "hoptrace/context.h"
#include "hoptrace/span_data.h"

namespace hoptrace {

enum class ExportResult : std::uint8_t { kSuccess, kFailure };

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Exports a batch; should return by `deadline` (exporters may have their own, shorter,
  // timeouts). Must not throw. The spans stay the processor's: they are valid until Export
  // returns (the SDK's processors then recycle them for new spans), so copy what you keep.
  virtual ExportResult Export(std::span<const std::unique_ptr<SpanData>> spans,
                              Deadline deadline) noexcept = 0;
  virtual bool ForceFlush(Deadline /*deadline*/) noexcept { return true; }
  // After Shutdown, Export returns kFailure.
  virtual bool Shutdown(Deadline /*deadline*/) noexcept { return true; }
};

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  // A recording span started. `span` is still being written by its thread: read it now only.
  virtual void OnStart(SpanData& /*span*/, const Context& /*parent*/) noexcept {}
  // A recording span ended; the processor now owns it.
  virtual void OnEnd(std::unique_ptr<SpanData> span) noexcept = 0;
  // Exports everything ended before the call; false if `deadline` passed first.
  virtual bool ForceFlush(Deadline deadline) noexcept = 0;
  // Flushes, then shuts the exporter down; false if `deadline` passed first. Spans ended after
  // Shutdown are dropped.
  virtual bool Shutdown(Deadline deadline) noexcept = 0;
};

// Exports each span synchronously when it ends (serialised by a mutex). Only sampled spans are
// exported.
class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::shared_ptr<SpanExporter> exporter);
  ~SimpleSpanProcessor() override;
  void OnEnd(std::unique_ptr<SpanData> span) noexcept override;
  bool ForceFlush(Deadline deadline) noexcept override;
  bool Shutdown(Deadline deadline) noexcept override;

 private:
  std::shared_ptr<SpanExporter> exporter_;
  std::mutex mu_;
  bool shutdown_ = false;
};

// Defaults are OpenTelemetry's (tracing.md §1.7); FromEnvironment reads OTEL_BSP_*.
struct BatchSpanProcessorOptions {
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;  // clamped to max_queue_size
  std::chrono::milliseconds schedule_delay{5000};
  std::chrono::milliseconds export_timeout{30000};
};

struct BatchSpanProcessorStats {
  std::uint64_t dropped_spans = 0;   // queue full, or ended after Shutdown
  std::uint64_t exported_spans = 0;  // handed to the exporter and reported kSuccess
  std::uint64_t failed_spans = 0;    // handed to the exporter and reported kFailure
  std::size_t queue_size = 0;
};

class BatchSpanProcessor final : public SpanProcessor {
 public:
  BatchSpanProcessor(std::shared_ptr<SpanExporter> exporter, BatchSpanProcessorOptions options);
  // Shuts down (waiting at most export_timeout) if not already shut down.
  ~BatchSpanProcessor() override;

  void OnEnd(std::unique_ptr<SpanData> span) noexcept override;
  bool ForceFlush(Deadline deadline) noexcept override;
  // If the exporter is stuck past the deadline, the worker thread is detached and finishes (or
  // not) on its own; its state is shared, so nothing dangles.
  bool Shutdown(Deadline deadline) noexcept override;

  BatchSpanProcessorStats stats() const noexcept;
  std::uint64_t dropped_spans() const noexcept { return stats().dropped_spans; }

  struct State;  // implementation detail

 private:
  std::shared_ptr<State> state_;
};

// Writes each span to a stream: kText is one readable block per span, kJsonLines one JSON object
// per line (OTLP/JSON-like field names, ids in hex, times as strings of unix nanos).
struct ConsoleExporterOptions {
  enum class Format : std::uint8_t { kText, kJsonLines };
  Format format = Format::kText;
  std::ostream* out = nullptr;  // nullptr: std::cout. Not owned; must outlive the exporter.
};
std::shared_ptr<SpanExporter> MakeConsoleExporter(ConsoleExporterOptions options = {});

// Keeps copies of exported spans in memory, for tests.
class InMemorySpanExporter final : public SpanExporter {
 public:
  ExportResult Export(std::span<const std::unique_ptr<SpanData>> spans,
                      Deadline deadline) noexcept override;
  bool Shutdown(Deadline deadline) noexcept override;

  std::vector<SpanData> GetFinishedSpans() const;
  std::size_t size() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::vector<SpanData> spans_;
  bool shutdown_ = false;
};

// A deadline `timeout` from now (saturating).
Deadline DeadlineAfter(std::chrono::nanoseconds timeout) noexcept;

}  // namespace hoptrace
