#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hoptrace {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, HelpersSetCodeAndMessage) {
  EXPECT_EQ(InvalidArgumentError("a").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NotFoundError("a").code(), StatusCode::kNotFound);
  EXPECT_EQ(AlreadyExistsError("a").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ResourceExhaustedError("a").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(FailedPreconditionError("a").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(InternalError("a").code(), StatusCode::kInternal);
  EXPECT_EQ(UnavailableError("a").code(), StatusCode::kUnavailable);
  EXPECT_EQ(DataLossError("a").code(), StatusCode::kDataLoss);
  EXPECT_EQ(OutOfRangeError("a").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(UnimplementedError("a").code(), StatusCode::kUnimplemented);
  Status s = DataLossError("chunk checksum mismatch");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "chunk checksum mismatch");
  EXPECT_EQ(s.ToString(), "DATA_LOSS: chunk checksum mismatch");
}

TEST(StatusTest, CodeNamesAreCanonical) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "CANCELLED");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnknown), "UNKNOWN");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
  EXPECT_EQ(StatusCodeName(StatusCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(StatusCodeName(StatusCode::kPermissionDenied), "PERMISSION_DENIED");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeName(StatusCode::kAborted), "ABORTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kOutOfRange), "OUT_OF_RANGE");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnimplemented), "UNIMPLEMENTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "INTERNAL");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnavailable), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(StatusCode::kDataLoss), "DATA_LOSS");
}

TEST(StatusTest, WithContextPrependsAndKeepsCode) {
  Status s = ResourceExhaustedError("disk full").WithContext("write-ahead log");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "write-ahead log: disk full");
  Status twice = s.WithContext("opening store");
  EXPECT_EQ(twice.message(), "opening store: write-ahead log: disk full");
  EXPECT_EQ(twice.code(), StatusCode::kResourceExhausted);
}

TEST(StatusTest, WithContextOnOkStaysOk) {
  Status s = Status::Ok().WithContext("ctx");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
}

struct ErrnoCase {
  int err;
  StatusCode code;
};

TEST(StatusTest, ErrnoToStatusMapsCanonicalCodes) {
  const ErrnoCase cases[] = {
      {ENOSPC, StatusCode::kResourceExhausted}, {EDQUOT, StatusCode::kResourceExhausted},
      {ENOENT, StatusCode::kNotFound},          {EEXIST, StatusCode::kAlreadyExists},
      {EACCES, StatusCode::kPermissionDenied},  {EPERM, StatusCode::kPermissionDenied},
      {EINVAL, StatusCode::kInvalidArgument},   {EIO, StatusCode::kUnavailable},
      {EBADF, StatusCode::kUnavailable},
  };
  for (const auto& c : cases) {
    Status s = ErrnoToStatus(c.err, "write", "/data/wal/wal-1.log");
    EXPECT_EQ(s.code(), c.code) << "errno " << c.err << ": " << s.ToString();
  }
}

TEST(StatusTest, ErrnoToStatusMessageNamesOperationPathAndError) {
  Status s = ErrnoToStatus(ENOSPC, "write", "/data/wal/wal-1.log");
  EXPECT_EQ(s.message(), std::string("write /data/wal/wal-1.log: ") + std::strerror(ENOSPC));
}

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

Status Quarter(int x, int* out) {
  HT_ASSIGN_OR_RETURN(int h, Half(x));
  HT_ASSIGN_OR_RETURN(int q, Half(h));
  *out = q;
  return Status::Ok();
}

Status FailIf(bool fail) {
  HT_RETURN_IF_ERROR(fail ? NotFoundError("nope") : Status::Ok());
  return AlreadyExistsError("reached the end");
}

TEST(StatusTest, StatusOrHoldsValueOrError) {
  StatusOr<int> v = Half(8);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 4);
  StatusOr<int> e = Half(3);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.status().message(), "odd: 3");
  StatusOr<std::string> moved = std::string("abc");
  std::string taken = std::move(moved).value();
  EXPECT_EQ(taken, "abc");
}

TEST(StatusTest, MacrosReturnEarly) {
  int out = -1;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  out = -1;
  Status s = Quarter(6, &out);  // 6 -> 3 -> odd
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd: 3");
  EXPECT_EQ(out, -1);
  EXPECT_EQ(FailIf(true).code(), StatusCode::kNotFound);
  EXPECT_EQ(FailIf(false).code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace hoptrace
