// Console exporter: readable text or JSON lines.
#include <iostream>
#include <mutex>

#include "hoptrace/export.h"
#include "hoptrace/resource.h"
#include "json_writer.h"

namespace hoptrace {
namespace {

std::string ValueText(const AttributeValue& v) {
  if (v.is_string()) return v.as_string();
  std::string out;
  internal::AppendJsonValue(v, &out);
  return out;
}

void AppendText(const SpanData& s, std::string* out) {
  const double ms = static_cast<double>(s.end_unix_nano - s.start_unix_nano) / 1e6;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f ms", ms);
  out->append("span ").append(s.name).append(" [").append(SpanKindName(s.kind)).append("] ");
  out->append(buf).append("\n");
  out->append("  trace_id ").append(s.context.trace_id().ToHex());
  out->append(" span_id ").append(s.context.span_id().ToHex());
  if (s.parent_span_id.IsValid()) {
    out->append(" parent ").append(s.parent_span_id.ToHex());
    if (s.parent_is_remote) out->append(" (remote)");
  }
  out->append("\n");
  if (s.status_code != StatusCode::kUnset) {
    out->append("  status ").append(StatusCodeName(s.status_code));
    if (!s.status_message.empty()) out->append(": ").append(s.status_message);
    out->append("\n");
  }
  for (const KeyValue& kv : s.attributes) {
    out->append("  ").append(kv.key).append(" = ").append(ValueText(kv.value)).append("\n");
  }
  for (const Event& e : s.events) {
    out->append("  event ").append(e.name);
    for (const KeyValue& kv : e.attributes) {
      out->append(" ").append(kv.key).append("=").append(ValueText(kv.value));
    }
    out->append("\n");
  }
  for (const Link& l : s.links) {
    out->append("  link ")
        .append(l.context.trace_id().ToHex())
        .append("/")
        .append(l.context.span_id().ToHex());
    out->append("\n");
  }
  if (s.dropped_attributes_count + s.dropped_events_count + s.dropped_links_count > 0) {
    out->append("  dropped attributes=" + std::to_string(s.dropped_attributes_count) +
                " events=" + std::to_string(s.dropped_events_count) +
                " links=" + std::to_string(s.dropped_links_count) + "\n");
  }
}

void AppendJsonLine(const SpanData& s, std::string* out) {
  using internal::AppendJsonAttributes;
  using internal::AppendJsonString;
  out->append("{\"traceId\":\"").append(s.context.trace_id().ToHex());
  out->append("\",\"spanId\":\"").append(s.context.span_id().ToHex()).append("\"");
  if (s.parent_span_id.IsValid()) {
    out->append(",\"parentSpanId\":\"").append(s.parent_span_id.ToHex()).append("\"");
  }
  if (!s.context.trace_state().empty()) {
    out->append(",\"traceState\":");
    AppendJsonString(s.context.trace_state().ToHeader(), out);
  }
  out->append(",\"name\":");
  AppendJsonString(s.name, out);
  out->append(",\"kind\":").append(std::to_string(static_cast<int>(s.kind)));
  out->append(",\"startTimeUnixNano\":\"").append(std::to_string(s.start_unix_nano));
  out->append("\",\"endTimeUnixNano\":\"").append(std::to_string(s.end_unix_nano)).append("\"");
  out->append(",\"attributes\":");
  AppendJsonAttributes(s.attributes, out);
  out->append(",\"events\":[");
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"timeUnixNano\":\"").append(std::to_string(s.events[i].time_unix_nano));
    out->append("\",\"name\":");
    AppendJsonString(s.events[i].name, out);
    out->append(",\"attributes\":");
    AppendJsonAttributes(s.events[i].attributes, out);
    out->push_back('}');
  }
  out->append("],\"links\":[");
  for (std::size_t i = 0; i < s.links.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"traceId\":\"").append(s.links[i].context.trace_id().ToHex());
    out->append("\",\"spanId\":\"").append(s.links[i].context.span_id().ToHex());
    out->append("\",\"attributes\":");
    AppendJsonAttributes(s.links[i].attributes, out);
    out->push_back('}');
  }
  out->append("],\"status\":{\"code\":").append(std::to_string(static_cast<int>(s.status_code)));
  if (!s.status_message.empty()) {
    out->append(",\"message\":");
    AppendJsonString(s.status_message, out);
  }
  out->push_back('}');
  if (s.scope) {
    out->append(",\"scope\":{\"name\":");
    AppendJsonString(s.scope->name, out);
    out->append(",\"version\":");
    AppendJsonString(s.scope->version, out);
    out->push_back('}');
  }
  if (s.resource != nullptr) {
    out->append(",\"resource\":");
    AppendJsonAttributes(s.resource->attributes(), out);
  }
  out->append("}\n");
}

class ConsoleExporter final : public SpanExporter {
 public:
  explicit ConsoleExporter(ConsoleExporterOptions o) : options_(o) {
    if (options_.out == nullptr) options_.out = &std::cout;
  }
  ExportResult Export(std::span<const std::unique_ptr<SpanData>> spans,
                      Deadline /*deadline*/) noexcept override {
    try {
      std::string text;
      for (const auto& span : spans) {
        if (options_.format == ConsoleExporterOptions::Format::kJsonLines) {
          AppendJsonLine(*span, &text);
        } else {
          AppendText(*span, &text);
        }
      }
      std::lock_guard lock(mu_);
      if (shutdown_) return ExportResult::kFailure;
      options_.out->write(text.data(), static_cast<std::streamsize>(text.size()));
      options_.out->flush();
      return options_.out->good() ? ExportResult::kSuccess : ExportResult::kFailure;
    } catch (...) {
      return ExportResult::kFailure;
    }
  }
  bool Shutdown(Deadline /*deadline*/) noexcept override {
    std::lock_guard lock(mu_);
    shutdown_ = true;
    return true;
  }

 private:
  ConsoleExporterOptions options_;
  std::mutex mu_;
  bool shutdown_ = false;
};

}  // namespace

std::shared_ptr<SpanExporter> MakeConsoleExporter(ConsoleExporterOptions options) {
  return std::make_shared<ConsoleExporter>(options);
}

}  // namespace hoptrace
