// libhoptrace: the whole public API. Start at provider.h (InitFromEnvironment), trace.h (Tracer,
// Span), genai.h (agent/LLM/tool spans) and propagation.h (W3C headers).
#pragma once

#include "hoptrace/attributes.h"    // IWYU pragma: export
#include "hoptrace/context.h"       // IWYU pragma: export
#include "hoptrace/export.h"        // IWYU pragma: export
#include "hoptrace/genai.h"         // IWYU pragma: export
#include "hoptrace/log.h"           // IWYU pragma: export
#include "hoptrace/otlp_http.h"     // IWYU pragma: export
#include "hoptrace/propagation.h"   // IWYU pragma: export
#include "hoptrace/provider.h"      // IWYU pragma: export
#include "hoptrace/resource.h"      // IWYU pragma: export
#include "hoptrace/sampler.h"       // IWYU pragma: export
#include "hoptrace/span_context.h"  // IWYU pragma: export
#include "hoptrace/span_data.h"     // IWYU pragma: export
#include "hoptrace/trace.h"         // IWYU pragma: export
#include "hoptrace/version.h"       // IWYU pragma: export
