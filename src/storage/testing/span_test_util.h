// Helpers shared by the store tests: deterministic ids, span builders, readable printing of
// spans and query answers for gtest, and comparisons that explain the first difference.
//
// Thread-safety: plain functions over value types.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "storage/span_store.h"

namespace hoptrace {

// Ids whose byte order follows `n` (big-endian in the low bytes), never all zero.
TraceId TestTraceId(uint64_t n);
SpanId TestSpanId(uint64_t n);

// A plain span: trace `trace_n`, span `span_n`, parent `parent_n` (0: root), given name, start
// and duration; service "svc", everything else empty.
Span MakeSpan(uint64_t trace_n, uint64_t span_n, uint64_t parent_n, std::string name,
              uint64_t start_unix_nano, uint64_t duration_ns);

// A span that sets every field of the model: every AnyValue type (INT64_MIN/MAX, -0.0, NaN,
// bytes with NULs, nested arrays and kvlists, an empty value, a duplicated key), resource, scope,
// events, links, trace state, flags, dropped counts and every derived field. Values of at least
// 4 KiB appear nested in an array and in an event attribute (so blob references are exercised).
// `variant` changes the strings, so several such spans differ.
Span EveryFieldSpan(uint64_t trace_n, uint64_t span_n, int variant);

// Human-readable dumps (long strings shortened) used by gtest's PrintTo.
std::string DebugString(const AnyValue& v);
std::string DebugString(const Span& s);
std::string DebugString(const TraceSummary& t);
std::string DebugString(const AggregateRow& r);
void PrintTo(const Span& s, std::ostream* os);
void PrintTo(const TraceSummary& t, std::ostream* os);
void PrintTo(const AggregateRow& r, std::ostream* os);

// Names the first differing field of two spans, or "" when equal. Unlike Span::operator==, a
// double 0.0 and -0.0 differ here (the store must be lossless).
std::string SpanDiff(const Span& got, const Span& want);

// True when |a - b| <= rel * max(1, |a|, |b|).
bool DoubleNear(double a, double b, double rel = 1e-9);

// Exact comparisons of query answers that report the first difference. Doubles (cost, and
// percentiles when `percentiles`) compare with DoubleNear.
::testing::AssertionResult SpansEqual(const std::vector<Span>& got, const std::vector<Span>& want);
::testing::AssertionResult SummariesEqual(const std::vector<TraceSummary>& got,
                                          const std::vector<TraceSummary>& want);
::testing::AssertionResult RowsEqual(const std::vector<AggregateRow>& got,
                                     const std::vector<AggregateRow>& want, bool percentiles);

// Descriptions of requests for failure messages.
std::string DebugString(const SpanFilter& f);
std::string DebugString(const AggregateRequest& r);

}  // namespace hoptrace
