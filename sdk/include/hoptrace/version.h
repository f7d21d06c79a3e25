#pragma once

#define HOPTRACE_SDK_VERSION "0.1.0"

namespace hoptrace {
inline constexpr const char* kSdkVersion = HOPTRACE_SDK_VERSION;
}
