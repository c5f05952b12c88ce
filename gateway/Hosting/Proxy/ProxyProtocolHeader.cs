using System.Net;

namespace MailCloud.Gateway.Hosting.Proxy;

/// <summary>
/// What a PROXY protocol header says about the connection behind the proxy. Null endpoints mean
/// the proxy spoke for itself (v2 LOCAL, v1 UNKNOWN, e.g. its own health checks): keep the socket's addresses.
/// </summary>
public sealed record ProxyProtocolHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination);

/// <summary>A PROXY protocol header that is missing, malformed or unsupported; the connection is closed.</summary>
public sealed class ProxyProtocolException(string message) : Exception(message);
