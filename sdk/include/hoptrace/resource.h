// Resource: the attributes of the entity producing telemetry (service.name, host, version…),
// attached once to every exported batch.
//
// Precedence, highest first (OpenTelemetry spec): attributes given in code, then
// OTEL_SERVICE_NAME (for service.name), then OTEL_RESOURCE_ATTRIBUTES, then the SDK defaults
// (telemetry.sdk.name/language/version and service.name = "unknown_service").
//
// Thread-safety: immutable value.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hoptrace/attributes.h"

namespace hoptrace {

// Reads one environment variable; std::nullopt when unset. Tests inject their own.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (getenv).
EnvLookup ProcessEnvironment();

class Resource {
 public:
  Resource() = default;  // empty
  explicit Resource(Attributes attributes, std::string schema_url = {});

  // The SDK defaults: telemetry.sdk.{name,language,version} and service.name=unknown_service.
  static Resource Default();
  // OTEL_RESOURCE_ATTRIBUTES (comma-separated key=value, percent-decoded; a malformed list is
  // ignored whole, as the spec says) overlaid with OTEL_SERVICE_NAME.
  static Resource FromEnvironment(const EnvLookup& env = ProcessEnvironment());
  // Default().Merge(FromEnvironment(env)).Merge(Resource(attributes)): what a provider uses.
  static Resource Create(Attributes attributes, const EnvLookup& env = ProcessEnvironment());

  // A new resource with the attributes of both; `updating` wins on equal keys. The schema url
  // is kept when equal or when one side has none (else updating's).
  Resource Merge(const Resource& updating) const;

  const Attributes& attributes() const noexcept { return attributes_; }
  const std::string& schema_url() const noexcept { return schema_url_; }
  // The string value of `key`, or empty.
  std::string_view GetString(std::string_view key) const noexcept;

 private:
  Attributes attributes_;
  std::string schema_url_;
};

}  // namespace hoptrace
