// Resource: defaults, OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME, merge.
#include "hoptrace/resource.h"

#include "hoptrace/version.h"
#include "internal.h"

namespace hoptrace {
namespace {

void Upsert(Attributes* attributes, KeyValue kv) {
  for (KeyValue& existing : *attributes) {
    if (existing.key == kv.key) {
      existing.value = std::move(kv.value);
      return;
    }
  }
  attributes->push_back(std::move(kv));
}

}  // namespace

Resource::Resource(Attributes attributes, std::string schema_url)
    : schema_url_(std::move(schema_url)) {
  for (KeyValue& kv : attributes) {
    if (!kv.key.empty()) Upsert(&attributes_, std::move(kv));
  }
}

Resource Resource::Default() {
  return Resource({{"service.name", "unknown_service"},
                   {"telemetry.sdk.name", "hoptrace"},
                   {"telemetry.sdk.language", "cpp"},
                   {"telemetry.sdk.version", kSdkVersion}});
}

Resource Resource::FromEnvironment(const EnvLookup& env) {
  Attributes attributes;
  if (auto list = internal::GetEnv(env, "OTEL_RESOURCE_ATTRIBUTES")) {
    if (auto parsed = internal::ParseKeyValueList(*list)) {
      for (auto& [k, v] : *parsed) Upsert(&attributes, {k, v});
    } else {
      internal::Log(LogLevel::kWarning, "OTEL_RESOURCE_ATTRIBUTES is malformed; ignored");
    }
  }
  if (auto name = internal::GetEnv(env, "OTEL_SERVICE_NAME")) {
    Upsert(&attributes, {"service.name", *name});
  }
  return Resource(std::move(attributes));
}

Resource Resource::Create(Attributes attributes, const EnvLookup& env) {
  return Default().Merge(FromEnvironment(env)).Merge(Resource(std::move(attributes)));
}

Resource Resource::Merge(const Resource& updating) const {
  Resource out = *this;
  for (const KeyValue& kv : updating.attributes_) Upsert(&out.attributes_, kv);
  if (out.schema_url_.empty()) {
    out.schema_url_ = updating.schema_url_;
  } else if (!updating.schema_url_.empty() && updating.schema_url_ != out.schema_url_) {
    out.schema_url_ = updating.schema_url_;
  }
  return out;
}

std::string_view Resource::GetString(std::string_view key) const noexcept {
  const AttributeValue* v = FindAttribute(attributes_, key);
  if (v == nullptr || !v->is_string()) return {};
  return v->as_string();
}

}  // namespace hoptrace
