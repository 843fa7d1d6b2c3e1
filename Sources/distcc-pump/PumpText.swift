/// The wrapper's usage text (3.4's, naming this program's include server).
enum PumpText {
  static let usage = """
    Usage:
        pump COMMAND [ARG...]
    or
        pump --startup
        pump --shutdown

    Description:
      Pump, also known as distcc-pump, accelerates remote compilation with
      distcc by also distributing preprocessing to the servers.

      The simplest usage is the form "pump COMMAND [ARG...]".
      This will start an include server for distcc-pump; set some environment
      variables; change PATH to use the distcc-pump "distcc" client; execute
      COMMAND with the specified ARG(s); and then shutdown the include server.
      The COMMAND is typically a parallel build command, such as
      "make -j80", that will do many concurrent invocations of distcc.

      An alternative way of invoking pump is to explicitly invoke "pump --startup"
      to start the include server and "pump --shutdown" to stop the include server.
      The "pump --startup" command will start up the include server, and will print
      out some environment variable settings.  These environment variables are used
      to communicate between the distcc-pump "distcc" client and the include
      server, and to communicate between "pump --startup" and "pump --shutdown".
      The caller of "pump --startup" is responsible for setting those environment
      variables before invoking "distcc" or "pump --shutdown".  For example:

          eval `pump --startup`
          make -j80
          pump --shutdown

      Unlike 3.4's include server, this one re-checks every file and directory it
      relies on at every query, so sources and headers may change during a build.

    Environment variables (all optional):

      DISTCC_LOCATION        The directory of the distcc client to use (default:
                             the directory of this program, through a symlink).

      DISTCC_POTENTIAL_HOSTS The distcc servers that will be queried by lsdistcc
                             in order to produce a value for DISTCC_HOSTS.

      DISTCC_HOSTS           This variable is passed through to distcc but only if
                             DISTCC_POTENTIAL_HOSTS is not set.

      LSDISTCC_ARGS          Extra arguments to lsdistcc.

      INCLUDE_SERVER_ARGS    Extra arguments to the include server.

      DISTCC_CLIENT_TMP      Directory of the include server's mirror (default
                             /dev/shm, else /tmp; at most two levels).

    Example:
      pump make
    """
}
