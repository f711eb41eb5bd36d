# Installs the build tree into a scratch prefix, then builds and runs a
# consumer with find_package(fastovsdb) and another with pkg-config.
# Inputs: BUILD_DIR, SOURCE_DIR, WORK_DIR, CXX_FLAGS.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run_checked)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

run_checked(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# find_package
run_checked(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/consumer -G Ninja
  -DCMAKE_PREFIX_PATH=${prefix} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
run_checked(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run_checked(${WORK_DIR}/consumer/consumer)

# pkg-config: compile the same consumer by hand with the flags it gives.
execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig
  pkg-config --cflags --libs fastovsdb
  RESULT_VARIABLE rc OUTPUT_VARIABLE pc_flags ERROR_VARIABLE pc_err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not know fastovsdb: ${pc_err}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra_flags UNIX_COMMAND "${CXX_FLAGS}")
run_checked(${CXX} ${extra_flags} ${SOURCE_DIR}/tests/install/consumer/main.cpp ${pc_flags}
  -o ${WORK_DIR}/pkgconfig_consumer)
run_checked(${WORK_DIR}/pkgconfig_consumer)
message(STATUS "install, find_package and pkg-config consumers all work")
