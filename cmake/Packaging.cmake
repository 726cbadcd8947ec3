# Installation and the Debian package.
#
#   cmake --install build/release [--prefix /usr]    # default prefix /usr/local
#   (cd build/release && cpack -G DEB)               # tgd_<version>-1_<arch>.deb, prefix /usr
#
# Under the prefix: bin/tgd; lib/systemd/system/{tgd.service,tgd.socket,tgd@.service,tgd@.socket}
# (systemd reads /usr/local/lib/systemd/system too); lib/sysusers.d/tgd.conf (the tgd user and
# group); share/doc/tgd/{tgd.example.toml,README.md,systemd.md}. The units name /usr/bin/tgd: they
# are rewritten at install time for the prefix in use, so that ExecStart= is the installed binary.
include(GNUInstallDirs)

install(TARGETS tgd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(TGD_UNITS tgd.service tgd.socket tgd@.service tgd@.socket)
foreach(unit IN LISTS TGD_UNITS)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/systemd/${unit})
endforeach()
# At install time: CMAKE_INSTALL_PREFIX is the prefix the files will live under (CPack installs
# with DESTDIR set to its staging directory and the prefix /usr).
install(CODE "
  set(tgd_units_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  file(MAKE_DIRECTORY \"\${tgd_units_dir}\")
  foreach(unit ${TGD_UNITS})
    file(READ \"${PROJECT_SOURCE_DIR}/systemd/\${unit}\" text)
    string(REPLACE \"/usr/bin/tgd\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/tgd\" text \"\${text}\")
    string(REPLACE \"/usr/share/doc/tgd\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\" text \"\${text}\")
    message(STATUS \"Installing: \${tgd_units_dir}/\${unit}\")
    file(WRITE \"\${tgd_units_dir}/\${unit}\" \"\${text}\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${tgd_units_dir}/\${unit}\")
  endforeach()
")
install(FILES ${PROJECT_SOURCE_DIR}/systemd/tgd.sysusers DESTINATION lib/sysusers.d RENAME tgd.conf)
install(FILES ${PROJECT_SOURCE_DIR}/config/tgd.example.toml ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME systemd.md)

# The .deb: dependencies from dpkg-shlibdeps (dpkg-dev), maintainer scripts doing what
# dh_installsystemd's would (systemd/debian/), the binary stripped as Debian ships binaries.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tgd)
set(CPACK_PACKAGE_VENDOR tgd)
set(CPACK_PACKAGE_CONTACT "tgd maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Telegram client daemon serving JSON-RPC")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "tgd holds Telegram sessions (user and bot accounts, MTProto 2.0) in one long-running\n\
process and serves them to local scripts and services over JSON-RPC 2.0 (UNIX socket,\n\
WebSocket, HTTP). The tgd.service unit starts once /etc/tgd/tgd.toml exists.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# deb-systemd-helper and deb-systemd-invoke in the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.52)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/systemd/debian/postinst
                                       ${PROJECT_SOURCE_DIR}/systemd/debian/prerm
                                       ${PROJECT_SOURCE_DIR}/systemd/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
