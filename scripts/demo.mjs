// The demo arrives with the daemons (apps/server, apps/client); until then it says so.
console.log('udsipc demo: the server and client daemons are not built yet (see the daemons issue).');
