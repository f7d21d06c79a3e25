// Minimal JSON text helpers for the console exporter (not installed).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "hoptrace/attributes.h"

namespace hoptrace::internal {

inline void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

inline void AppendJsonDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    AppendJsonString(std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"), out);
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  out->append(buf);
}

// A plain JSON value: strings, true/false, numbers (int64 as a number), arrays.
inline void AppendJsonValue(const AttributeValue& v, std::string* out) {
  std::visit(
      [out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          AppendJsonString(x, out);
        } else if constexpr (std::is_same_v<T, bool>) {
          out->append(x ? "true" : "false");
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out->append(std::to_string(x));
        } else if constexpr (std::is_same_v<T, double>) {
          AppendJsonDouble(x, out);
        } else {
          out->push_back('[');
          bool first = true;
          for (const auto& e : x) {
            if (!first) out->push_back(',');
            first = false;
            AppendJsonValue(AttributeValue(static_cast<typename T::value_type>(e)), out);
          }
          out->push_back(']');
        }
      },
      v.storage());
}

inline void AppendJsonAttributes(const Attributes& attributes, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const KeyValue& kv : attributes) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(kv.key, out);
    out->push_back(':');
    AppendJsonValue(kv.value, out);
  }
  out->push_back('}');
}

}  // namespace hoptrace::internal
