#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace hoptrace {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

Status ErrnoToStatus(int err, std::string_view op, std::string_view path) {
  std::string m(op);
  m += " ";
  m += path;
  m += ": ";
  m += std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFoundError(std::move(m));
    case EEXIST:
      return AlreadyExistsError(std::move(m));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(m));
    case EACCES:
    case EPERM:
      return Status(StatusCode::kPermissionDenied, std::move(m));
    case EINVAL:
      return InvalidArgumentError(std::move(m));
    default:
      return Status(StatusCode::kUnavailable, std::move(m));
  }
}

}  // namespace hoptrace
