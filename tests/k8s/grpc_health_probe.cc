// grpc_health_probe: one grpc.health.v1 Check, as the kubelet's native gRPC probe makes it,
// for k8s/check's end-to-end test (no cluster, no kubelet).
//
//   grpc_health_probe HOST:PORT SERVICE TIMEOUT_SECONDS
//
// Plaintext, like the kubelet's probe. Prints the serving status (SERVING, NOT_SERVING,
// SERVICE_UNKNOWN, UNKNOWN) or the RPC's error code, and exits 0 only for SERVING, 1
// otherwise, 2 on a usage error.
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: grpc_health_probe HOST:PORT SERVICE TIMEOUT_SECONDS\n";
    return 2;
  }
  const int timeout_seconds = std::atoi(argv[3]);
  if (timeout_seconds <= 0) {
    std::cerr << "grpc_health_probe: TIMEOUT_SECONDS must be a positive number\n";
    return 2;
  }
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(argv[2]);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cout << "RPC " << status.error_code() << " " << status.error_message() << "\n";
    return 1;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}
