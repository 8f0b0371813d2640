// Bindings for the addon's own state: instruction set, threads.
#include "cpu.h"
#include "dispatch.h"
#include "napi_util.h"
#include "threadpool.h"

namespace ody {
namespace {

Napi::Value info(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", selected_isa());
  o.Set("threads", num_threads());
  o.Set("avx2", f.avx2_fma);
  o.Set("avx512", f.avx512);
  o.Set("avx512bf16", f.avx512_bf16);
  return o;
}

Napi::Value set_threads(const Napi::CallbackInfo& cb) {
  set_num_threads(i32(cb[0]));
  return Napi::Number::New(cb.Env(), num_threads());
}

// A thread-count limit for the calling JavaScript thread only (a data-parallel replica's worker).
Napi::Value js_set_caller_threads(const Napi::CallbackInfo& cb) {
  ody::set_caller_threads(i32(cb[0]));
  return Napi::Number::New(cb.Env(), num_threads());
}

Napi::Value set_isa(const Napi::CallbackInfo& cb) {
  std::string name = cb[0].As<Napi::String>().Utf8Value();
  return Napi::Boolean::New(cb.Env(), select_isa(name.c_str()));
}

}  // namespace

void register_core(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, info));
  exports.Set("setNumThreads", Napi::Function::New(env, set_threads));
  exports.Set("setCallerThreads", Napi::Function::New(env, js_set_caller_threads));
  exports.Set("setIsa", Napi::Function::New(env, set_isa));
}

}  // namespace ody
